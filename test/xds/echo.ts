// The gRPC side of the end-to-end test and the xDS push bench, shared by their backends and client
// children: a one-method echo service (raw bytes both ways, so neither side needs a .proto), its
// servers and client, gRPC's admin server (CSDS) and the xDS bootstrap the clients start from.
import {
  addAdminServicesToServer,
  credentials,
  makeGenericClientConstructor,
  Server,
  ServerCredentials,
  type ChannelOptions,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';

const id = (b: Buffer): Buffer => b;

export const ECHO: ServiceDefinition = {
  Call: {
    path: '/wflg.test.Echo/Call',
    requestStream: false,
    responseStream: false,
    requestSerialize: id,
    requestDeserialize: id,
    responseSerialize: id,
    responseDeserialize: id,
  },
};

export interface EchoClient {
  Call(
    req: Buffer,
    opts: { deadline: number },
    cb: (err: ServiceError | null, res?: Buffer) => void,
  ): void;
}

/** A client of `target` (e.g. `xds:///collector`) without TLS. */
export function echoClient(target: string, options: ChannelOptions = {}): EchoClient {
  const Ctor = makeGenericClientConstructor(ECHO, 'Echo');
  return new Ctor(target, credentials.createInsecure(), options) as unknown as EchoClient;
}

/** Binds `server` without TLS; resolves with the bound port. */
export function bindInsecure(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
}

/** An echo backend on `host:port` answering every call with `name` (which VM served it). */
export async function serveEcho(
  host: string,
  port: number,
  name: string,
): Promise<{ port: number; server: Server }> {
  const server = new Server();
  const reply = Buffer.from(name);
  server.addService(ECHO, {
    Call: (_call: unknown, cb: (e: null, r: Buffer) => void) => cb(null, reply),
  });
  return { port: await bindInsecure(server, host, port), server };
}

/** gRPC's admin services (CSDS among them, registered by grpc-js-xds) on an ephemeral loopback port. */
export function serveAdmin(): Promise<number> {
  const admin = new Server();
  addAdminServicesToServer(admin);
  return bindInsecure(admin, '127.0.0.1', 0);
}

export interface XdsBootstrap {
  readonly xds_servers: readonly object[];
  readonly node: { readonly id: string; readonly locality: object };
}

/** A gRPC xDS bootstrap pointing at the controller on loopback `port`, as node `nodeId`. */
export function xdsBootstrap(port: number, nodeId: string): XdsBootstrap {
  return {
    xds_servers: [
      {
        server_uri: `127.0.0.1:${port}`,
        channel_creds: [{ type: 'insecure' }],
        server_features: [],
      },
    ],
    node: { id: nodeId, locality: {} },
  };
}
