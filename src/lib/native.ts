// Types of the native addon (native/napi). The addon is loaded once; everything here crosses the
// boundary once per batch with bytes, and columns come back as typed arrays.
import { loadNative } from './native-loader.js';

export interface NativeParseOptions {
  format?: string;
  limits?: string;
  nowMs?: number;
  customSourceTags?: string[];
  maxLineBytes?: number;
  listener?: string;
}

export interface NativeColumns {
  lines: Uint32Array;
  tags: Uint32Array;
  nums: Float64Array;
  aux: Float64Array;
}

export interface NativeWavefrontParser {
  parse(buf: Uint8Array): NativeColumns;
  /** Parses into the parser's reused columns and copies them into the fronts of the arrays;
   * writes the four lengths to `lens`; false (nothing copied) when an array is too small. */
  parseInto(
    buf: Uint8Array,
    lines: Uint32Array,
    tags: Uint32Array,
    nums: Float64Array,
    aux: Float64Array,
    lens: Uint32Array,
  ): boolean;
  copyLast(lines: Uint32Array, tags: Uint32Array, nums: Float64Array, aux: Float64Array): boolean;
  /** Lines by kind code into `kinds`, (code, count) pairs into `rejects` as far as they fit;
   * returns the number of distinct codes. */
  count(buf: Uint8Array, kinds: Float64Array, rejects: Float64Array): number;
  copyRejects(rejects: Float64Array): void;
  describe(buf: Uint8Array): { ndjson: Buffer; rejected: number };
}

export interface NativeZstdStreamDecoder {
  push(chunk: Uint8Array, maxOut: number): Buffer;
  readonly complete: boolean;
}

export interface FrameProblem {
  offset: number;
  len: number;
  code: 'WFLG_E_FRAME_TRUNCATED' | 'WFLG_E_FRAME_CORRUPT';
  reason: string;
}

export interface FrameScan {
  offsets: Float64Array;
  compressedLens: Float64Array;
  contentLens: Float64Array;
  skippableOffsets: Float64Array;
  skippableLens: Float64Array;
  corrupt: FrameProblem[];
  tail?: FrameProblem | null;
  validEnd: number;
}

export interface FrameDecode {
  data: Buffer;
  contentOffsets: Float64Array;
  frameOffsets: Float64Array;
  corrupt: FrameProblem[];
  tail?: FrameProblem | null;
  validEnd: number;
}

/** `decodeFramesInto`: the contents are in the caller's buffer; `need` > 0 when it was too small
 * (nothing usable then: grow it to at least `need` bytes and call again). */
export interface FrameDecodeInto extends Omit<FrameDecode, 'data'> {
  need: number;
}

export interface NativeFrameEncoder {
  /** Compresses `payload` into one checksummed frame at `target[offset..]`; returns its length. */
  encodeInto(payload: Uint8Array, target: Buffer, offset: number): number;
  /** Same on the libuv pool; neither buffer may be touched until it settles. */
  encodeIntoAsync(payload: Uint8Array, target: Buffer, offset: number): Promise<number>;
  encode(payload: Uint8Array): Buffer;
}

export interface NativeModule {
  FrameEncoder: new (level: number) => NativeFrameEncoder;
  frameBound(payloadLen: number): number;
  maxFrameContentLen(): number;
  scanFrames(buf: Uint8Array, verifyMaxContentLen?: number): FrameScan;
  decodeFrames(buf: Uint8Array, maxContentLen: number): FrameDecode;
  decodeFramesInto(buf: Uint8Array, out: Uint8Array, maxContentLen: number): FrameDecodeInto;
  WavefrontParser: new (options?: NativeParseOptions) => NativeWavefrontParser;
  ZstdStreamDecoder: new () => NativeZstdStreamDecoder;
  noop(buf: Uint8Array): number;
  /** CRC32C (Castagnoli) of `buf`, continuing from `initial` (default 0); hardware-accelerated. */
  crc32c(buf: Uint8Array, initial?: number): number;
}

export function native(): NativeModule {
  return loadNative<NativeModule>();
}
