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
  describe(buf: Uint8Array): Buffer;
}

export interface NativeZstdStreamDecoder {
  push(chunk: Uint8Array, maxOut: number): Buffer;
  readonly complete: boolean;
}

export interface NativeModule {
  WavefrontParser: new (options?: NativeParseOptions) => NativeWavefrontParser;
  ZstdStreamDecoder: new () => NativeZstdStreamDecoder;
  familyId(key: string): string;
  noop(buf: Uint8Array): number;
}

export function native(): NativeModule {
  return loadNative<NativeModule>();
}
