// The byte writer lines are rendered into: one preallocated buffer per worker and format, filled
// with prebuilt pieces and digits. No string is built per line; numbers are written digit by digit.

export class Out {
  buf: Buffer;
  pos = 0;
  lines = 0;

  constructor(capacity = 1 << 20) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  room(n: number): boolean {
    return this.pos + n <= this.buf.length;
  }

  /** Hands over the bytes written so far (the transport may keep them) and starts over. A short
   * batch is copied out and the buffer kept; a long one is handed over and a new buffer taken:
   * a fresh capacity-sized allocation costs far more than copying a few kilobytes out of it. */
  take(): Buffer {
    const n = this.pos;
    let b: Buffer;
    if (n <= this.buf.length >>> 2) {
      b = Buffer.allocUnsafe(n);
      this.buf.copy(b, 0, 0, n);
    } else {
      b = this.buf.subarray(0, n);
      this.buf = Buffer.allocUnsafe(this.buf.length);
    }
    this.pos = 0;
    this.lines = 0;
    return b;
  }

  private lastUint = -1;
  private readonly lastDigits = Buffer.alloc(20);
  private lastLen = 0;

  /** `uint` for values that repeat from line to line (timestamps): the digits are reused. */
  uintCached(v: number): void {
    if (v !== this.lastUint) {
      const at = this.pos;
      this.uint(v);
      this.lastLen = this.pos - at;
      this.buf.copy(this.lastDigits, 0, at, this.pos);
      this.lastUint = v;
      return;
    }
    const d = this.lastDigits;
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < this.lastLen; i++) buf[p++] = d[i]!;
    this.pos = p;
  }

  piece(src: Buffer): void {
    const n = src.length;
    const buf = this.buf;
    let p = this.pos;
    // Short pieces: a byte loop beats TypedArray#set's call overhead.
    if (n < 24) for (let i = 0; i < n; i++) buf[p++] = src[i]!;
    else {
      buf.set(src, p);
      p += n;
    }
    this.pos = p;
  }

  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  /** A non-negative integer below 2^53. */
  uint(v: number): void {
    if (v < 0x80000000) {
      this.pos = small(this.buf, this.pos, v);
      return;
    }
    // Two int32 halves: integer division by 10 is several times cheaper than Math.floor on a
    // double, and timestamps in ms (13 digits) are on every line. The floor is exact: below 2^53
    // the quotient is under 2^24, where half an ulp (≤ 0.93e-9) cannot round k − 1e-9 up to k.
    const hi = Math.floor(v / 1e9);
    this.pos = small(this.buf, this.pos, hi);
    this.pos = padded(this.buf, this.pos, v - hi * 1e9, 9);
  }

  /** `v` with exactly `d` decimals (0 = integer); falls back to JS's shortest form when huge. */
  fixed(v: number, d: number): void {
    if (!Number.isFinite(v) || Math.abs(v) >= 1e15 / POW10[d]!) {
      this.pos += this.buf.write(String(v), this.pos, 'latin1');
      return;
    }
    const scale = POW10[d]!;
    let s = Math.round(Math.abs(v) * scale);
    if (s === 0) {
      this.buf[this.pos++] = 48;
      return;
    }
    if (v < 0) this.buf[this.pos++] = 45;
    if (d === 0) return this.uint(s);
    const ip = Math.floor(s / scale);
    this.uint(ip);
    this.buf[this.pos++] = 46;
    s -= ip * scale;
    if (d > 9) {
      const hi = Math.floor(s / 1e9);
      this.pos = padded(this.buf, this.pos, hi, d - 9);
      s -= hi * 1e9;
      d = 9;
    }
    this.pos = padded(this.buf, this.pos, s, d);
  }

  /** 32 hex digits as a UUID (8-4-4-4-12) from four 32-bit words. */
  uuid(a: number, b: number, c: number, d: number): void {
    this.hex(a, 8);
    this.byte(45);
    this.hex(b >>> 16, 4);
    this.byte(45);
    this.hex(b & 0xffff, 4);
    this.byte(45);
    this.hex(c >>> 16, 4);
    this.byte(45);
    this.hex(c & 0xffff, 4);
    this.hex(d, 8);
  }

  hex(v: number, digits: number): void {
    let p = this.pos + digits;
    this.pos = p;
    for (let i = 0; i < digits; i++) {
      this.buf[--p] = HEX[v & 15]!;
      v >>>= 4;
    }
  }
}

const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);

/** Writes `x` (an integer in [0, 2^31)) at `p`; returns the end. */
function small(buf: Buffer, p: number, x: number): number {
  let n = 1;
  for (let t = x; t >= 10; t = (t / 10) | 0) n++;
  const end = p + n;
  let q = end;
  do {
    const y = (x / 10) | 0;
    buf[--q] = 48 + x - y * 10;
    x = y;
  } while (x > 0);
  return end;
}

/** Writes `x` (an integer in [0, 10^d), d ≤ 9) as exactly `d` digits, zero-padded. */
function padded(buf: Buffer, p: number, x: number, d: number): number {
  const end = p + d;
  for (let q = end; q > p;) {
    const y = (x / 10) | 0;
    buf[--q] = 48 + x - y * 10;
    x = y;
  }
  return end;
}
const HEX = Buffer.from('0123456789abcdef');
