// `wflg capture` options: one spec drives flags, the config file, the environment and --help.
import { availableParallelism } from 'node:os';
import type { ConfigOf, Spec } from '../lib/config.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export const CAPTURE_SPEC = {
  listen: {
    type: 'hostport',
    help: 'where the mirror posts (port 0 = ephemeral; printed on start)',
    default: { host: '127.0.0.1', port: 7070 },
  },
  dataDir: {
    type: 'string',
    required: true,
    help: 'local write-ahead directory (a dedicated disk)',
  },
  store: {
    type: 'url',
    schemes: ['file', 'gs'],
    required: true,
    help: 'object store for sealed parts: file:///dir or gs://bucket/prefix',
  },
  gcsEndpoint: { type: 'url', schemes: ['http', 'https'], help: 'gs:// API endpoint override' },
  mig: { type: 'string', pattern: NAME, required: true, help: 'managed instance group name' },
  instance: { type: 'string', pattern: NAME, required: true, help: 'this instance name' },
  threads: {
    type: 'int',
    min: 1,
    max: 64,
    default: Math.max(1, availableParallelism() - 1),
    help: 'worker threads that decode, classify and compress request batches',
  },
  rotateBytes: {
    type: 'bytes',
    min: 64 * 1024,
    default: 256 * 1024 ** 2,
    help: 'seal a part once it holds this many uncompressed bytes',
  },
  rotateSeconds: {
    type: 'seconds',
    min: 0.05,
    default: 60,
    help: 'seal a part once it is this old',
  },
  zstdLevel: { type: 'int', min: 1, max: 19, default: 3, help: 'zstd compression level' },
  maxBodyBytes: {
    type: 'bytes',
    min: 1024,
    max: 256 * 1024 ** 2,
    default: 16 * 1024 ** 2,
    help: 'bodies larger than this on the wire get 413',
  },
  maxDecodedBytes: {
    type: 'bytes',
    min: 1024,
    max: 128 * 1024 ** 2,
    default: 64 * 1024 ** 2,
    help: 'gzip/deflate bodies decoding past this get 413 (zip bombs)',
  },
  maxDiskBytes: {
    type: 'bytes',
    min: 1024 ** 2,
    default: 16 * 1024 ** 3,
    help: 'disk budget for unuploaded parts; new requests get 503 once it is spent',
  },
  diskHighWater: {
    type: 'number',
    min: 0.1,
    max: 1,
    default: 0.8,
    help: 'fraction of the disk budget above which /ready turns false',
  },
  maxInflightBytes: {
    type: 'bytes',
    min: 1024 ** 2,
    default: 128 * 1024 ** 2,
    help: 'request bytes held in memory between first byte and ack; beyond it 503',
  },
  batchBytes: {
    type: 'bytes',
    min: 4096,
    max: 64 * 1024 ** 2,
    default: 4 * 1024 ** 2,
    help: 'uncompressed bytes per frame (requests arriving together share a frame)',
  },
  uploadConcurrency: { type: 'int', min: 1, max: 256, default: 16, help: 'objects in flight' },
  mirrorFraction: {
    type: 'number',
    min: 0,
    max: 1,
    default: 1,
    help: 'the mirror runtime fraction in force, recorded with every request',
  },
  bodyTimeout: {
    type: 'seconds',
    min: 0.1,
    default: 30,
    help: 'a request whose body is not complete this long after its headers is dropped',
  },
  drainTimeout: {
    type: 'seconds',
    min: 0,
    default: 30,
    help: 'on SIGTERM: how long to finish requests and uploads before exiting',
  },
  crashAt: {
    type: 'string',
    pattern: /^[a-z-]+:\d+$/,
    env: 'WFLG_CAPTURE_CRASH_AT',
    help: 'fault tests only: SIGKILL self at the n-th hit of a crash point (label:n)',
  },
} as const satisfies Spec;

export type CaptureConfig = ConfigOf<typeof CAPTURE_SPEC>;
