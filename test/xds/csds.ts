// A CSDS client for the gRPC xDS clients under test (the end-to-end test and the xDS push bench):
// it asks a grpc-js-xds process's admin server what each of its XdsClients holds, per resource.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  credentials,
  loadPackageDefinition,
  type Client,
  type GrpcObject,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

export interface ClientConfig {
  node?: { id?: string };
  generic_xds_configs?: {
    type_url: string;
    name: string;
    client_status: string;
    version_info: string;
  }[];
}

export interface CsdsClient extends Client {
  FetchClientStatus(
    req: object,
    cb: (err: ServiceError | null, res?: { config: ClientConfig[] }) => void,
  ): void;
}

/** A CSDS client from the protos grpc-js-xds ships (the same files it serves CSDS from). */
export function csdsClient(port: number): CsdsClient {
  const deps = join(
    dirname(createRequire(import.meta.url).resolve('@grpc/grpc-js-xds')),
    '..',
    '..',
    'deps',
  );
  const def = loadSync('envoy/service/status/v3/csds.proto', {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
    includeDirs: ['envoy-api', 'xds', 'protoc-gen-validate', 'googleapis'].map((d) =>
      join(deps, d),
    ),
  });
  const Ctor = (
    (loadPackageDefinition(def).envoy as GrpcObject).service as {
      status: { v3: { ClientStatusDiscoveryService: ServiceClientConstructor } };
    }
  ).status.v3.ClientStatusDiscoveryService;
  return new Ctor(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as CsdsClient;
}

/** One config per XdsClient in the process (one per channel with its own bootstrap). */
export function fetchClientStatus(csds: CsdsClient): Promise<ClientConfig[]> {
  return new Promise((resolve, reject) =>
    csds.FetchClientStatus({}, (err, res) => (err ? reject(err) : resolve(res!.config))),
  );
}
