// Envoy's xDS protos, loaded at run time from the .proto files @grpc/grpc-js-xds ships (no codegen,
// no vendored copies), plus the two wire helpers the server needs: a strict resource encoder and a
// DiscoveryResponse writer that splices pre-encoded resources.
//
// Why splice bytes: every stream of one type gets the same resources, so each resource is encoded
// once per version and its bytes are hashed into the version and reused for every write.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import type { MethodDefinition } from '@grpc/grpc-js';
import { WflgError } from '../lib/errors.js';

export const TYPE = {
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  endpoint: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  runtime: 'type.googleapis.com/envoy.service.runtime.v3.Runtime',
} as const;
export type TypeUrl = (typeof TYPE)[keyof typeof TYPE];
export const TYPE_URLS: readonly TypeUrl[] = Object.values(TYPE);
/** Order of a push on one ADS stream: make-before-break (CDS, EDS, LDS, RDS), runtime last. */
export const PUSH_ORDER: readonly TypeUrl[] = [
  TYPE.cluster,
  TYPE.endpoint,
  TYPE.listener,
  TYPE.route,
  TYPE.runtime,
];
export const SHORT: Record<TypeUrl, 'cds' | 'eds' | 'lds' | 'rds' | 'rtds'> = {
  [TYPE.cluster]: 'cds',
  [TYPE.endpoint]: 'eds',
  [TYPE.listener]: 'lds',
  [TYPE.route]: 'rds',
  [TYPE.runtime]: 'rtds',
};

const FILES = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/endpoint/v3/eds.proto',
  'envoy/service/runtime/v3/rtds.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
];

export const SERVICE = {
  ads: 'envoy.service.discovery.v3.AggregatedDiscoveryService',
  eds: 'envoy.service.endpoint.v3.EndpointDiscoveryService',
  rtds: 'envoy.service.runtime.v3.RuntimeDiscoveryService',
} as const;

/** Directory holding the Envoy, xds, googleapis and validate protos. */
function protoRoot(): string {
  const require = createRequire(import.meta.url);
  // main is build/src/index.js; the protos are under the package's deps/.
  return join(dirname(require.resolve('@grpc/grpc-js-xds')), '..', '..', 'deps');
}

let cached: PackageDefinition | undefined;

/**
 * keepCase so objects use the proto field names Envoy's docs use; json so `google.protobuf.Any`
 * is written as `{'@type': url, ...fields}`. Well-known types (Struct, Duration…) come from
 * protobufjs's bundled copies, whose field names are camelCase (`numberValue`).
 */
function envoyProtos(): PackageDefinition {
  if (cached) return cached;
  const root = protoRoot();
  cached = loadSync(FILES, {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
    json: true,
    includeDirs: ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) =>
      join(root, d),
    ),
  });
  return cached;
}

export function method(service: string, name: string): MethodDefinition<unknown, unknown> {
  const svc = envoyProtos()[service] as unknown as Record<
    string,
    MethodDefinition<unknown, unknown>
  >;
  const m = svc[name];
  if (!m) throw new WflgError('WFLG_E_INTERNAL', `proto method ${service}/${name} missing`);
  return m;
}

// ---- protobuf wire helpers (only what a DiscoveryResponse needs) ----

const varintSize = (n: number): number => {
  let size = 1;
  for (; n > 0x7f; size++) n = Math.floor(n / 128);
  return size;
};

function writeVarint(out: Buffer, at: number, n: number): number {
  while (n > 0x7f) {
    out[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  out[at++] = n;
  return at;
}

/** Bytes of a length-delimited field (field numbers below 16: a one-byte tag). */
const fieldSize = (len: number): number => 1 + varintSize(len) + len;

function writeHead(out: Buffer, at: number, field: number, len: number): number {
  out[at] = (field << 3) | 2;
  return writeVarint(out, at + 1, len);
}

/** proto3 leaves an empty string out. */
const textSize = (len: number): number => (len === 0 ? 0 : fieldSize(len));

function writeText(out: Buffer, at: number, field: number, s: string, len: number): number {
  if (len === 0) return at;
  at = writeHead(out, at, field, len);
  return at + out.write(s, at, 'utf8');
}

function readVarint(buf: Buffer, at: number): [number, number] {
  let n = 0;
  let mul = 1;
  for (let i = at; i < buf.length && i < at + 8; i++) {
    const b = buf[i]!;
    n += (b & 0x7f) * mul;
    mul *= 128;
    if (b < 0x80) return [n, i + 1];
  }
  throw new WflgError('WFLG_E_INTERNAL', 'bad varint in an encoded response');
}

/** Fields of a proto3 JSON-ish object that must survive an encode/decode round trip. */
function lost(input: unknown, decoded: unknown, path: string): string | undefined {
  if (input === undefined || input === null) return undefined;
  if (typeof input === 'number' || typeof input === 'bigint')
    return Number(decoded) === Number(input) ? undefined : path;
  if (typeof input === 'boolean') return (decoded ?? false) === input ? undefined : path;
  if (typeof input === 'string') return (decoded ?? '') === input ? undefined : path;
  if (Buffer.isBuffer(input))
    return Buffer.isBuffer(decoded) && input.equals(decoded) ? undefined : path;
  if (Array.isArray(input)) {
    if (input.length === 0 && decoded === undefined) return undefined;
    if (!Array.isArray(decoded) || decoded.length !== input.length) return path;
    for (let i = 0; i < input.length; i++) {
      const l = lost(input[i], decoded[i], `${path}[${i}]`);
      if (l) return l;
    }
    return undefined;
  }
  if (typeof input === 'object') {
    if (decoded === null || typeof decoded !== 'object') return path;
    for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
      const l = lost(v, (decoded as Record<string, unknown>)[k], `${path}.${k}`);
      if (l) return l;
    }
    return undefined;
  }
  return path;
}

/**
 * Encodes one resource as the bytes of a `google.protobuf.Any`. Strict: protobufjs silently drops
 * unknown or misspelt fields, so the bytes are decoded again and every input field must come back,
 * otherwise WFLG_E_XDS_INVALID names the first lost path.
 */
export function encodeAny(typeUrl: string, resource: Record<string, unknown>): Buffer {
  const m = method(SERVICE.ads, 'StreamAggregatedResources');
  const wrapped = { resources: [{ '@type': typeUrl, ...resource }] };
  const bytes = m.responseSerialize(wrapped);
  const back = m.responseDeserialize(bytes) as { resources?: Record<string, unknown>[] };
  const missing = lost(resource, back.resources?.[0], '$');
  if (missing)
    throw new WflgError('WFLG_E_XDS_INVALID', `${typeUrl}: field ${missing} does not encode`, {
      typeUrl,
      path: missing,
    });
  // The wrapper is exactly one field-2 entry: tag, length, then the Any's own bytes.
  if (bytes[0] !== 0x12) throw new WflgError('WFLG_E_INTERNAL', 'unexpected response encoding');
  const [len, start] = readVarint(bytes, 1);
  if (start + len !== bytes.length)
    throw new WflgError('WFLG_E_INTERNAL', 'unexpected response encoding');
  return bytes.subarray(start);
}

export interface ResponseParts {
  readonly versionInfo: string;
  readonly typeUrl: string;
  readonly nonce: string;
  readonly resources: readonly Buffer[];
}

/**
 * DiscoveryResponse bytes: version_info=1, resources=2 (Any), type_url=4, nonce=5. Runs per
 * stream and push, so it sizes the message first and copies each resource once into one buffer.
 */
export function encodeResponse(r: ResponseParts): Buffer {
  const version = Buffer.byteLength(r.versionInfo);
  const type = Buffer.byteLength(r.typeUrl);
  const nonce = Buffer.byteLength(r.nonce);
  let size = textSize(version) + textSize(type) + textSize(nonce);
  for (const any of r.resources) size += fieldSize(any.length);
  const out = Buffer.allocUnsafe(size);
  let at = writeText(out, 0, 1, r.versionInfo, version);
  for (const any of r.resources) {
    at = writeHead(out, at, 2, any.length);
    at += any.copy(out, at);
  }
  at = writeText(out, at, 4, r.typeUrl, type);
  writeText(out, at, 5, r.nonce, nonce);
  return out;
}

/**
 * The Any bytes of `{cluster_name: name}` (type_url=1, value=2 holding cluster_name=1), written
 * directly: the answer to an EDS name that does not exist is built per stream from a client's
 * string, so it skips the strict encoder's round trip (a test pins it to encodeAny's bytes).
 */
export function emptyLoadAssignmentAny(name: string): Buffer {
  const typeLen = Buffer.byteLength(TYPE.endpoint);
  const nameLen = Buffer.byteLength(name);
  const claLen = fieldSize(nameLen);
  const out = Buffer.allocUnsafe(fieldSize(typeLen) + fieldSize(claLen));
  let at = writeHead(out, 0, 1, typeLen);
  at += out.write(TYPE.endpoint, at, 'utf8');
  at = writeHead(out, at, 2, claLen);
  at = writeHead(out, at, 1, nameLen);
  out.write(name, at, 'utf8');
  return out;
}

/** Decodes a DiscoveryResponse as a client sees it (json Anys), for tests and tools. */
export function decodeResponse(bytes: Buffer): Record<string, unknown> {
  return method(SERVICE.ads, 'StreamAggregatedResources').responseDeserialize(bytes) as Record<
    string,
    unknown
  >;
}
