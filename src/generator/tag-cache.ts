// Rendered identities (source and point tags, drift excluded) of a family's first slots. A series
// keeps its identity until churn moves its generation on, so drawing every tag value again from
// the alias tables for each of its points repeats work: in the generate bench that drawing was the
// largest single cost of a line (about a third of it). Copying the bytes rendered the first time
// gives the same output for a fraction of the work.
//
// Memory stays bounded whatever the universe: only slots below `limit` are cached (a universe of
// millions keeps rendering the rest, so its per-series state does not grow), a full arena takes
// no more entries, and every family of a worker draws from one byte budget (many small families
// must not add up to gigabytes). Everything is allocated on first use, grown by doubling.
//
// Why a full arena keeps what it holds instead of starting over: series are visited round-robin,
// so with more slots than fit, clearing evicted every entry before its next use (measured: zero
// hits over a 1 M-series universe). Kept, the entries serve their share of every pass. It is
// cleared only once half of it is dead (identities that churned away).

/** Bytes of identity cache the families of one worker may hold together; a family whose cache
 * cannot grow keeps working within what it has (or renders every line). */
export const DEFAULT_IDENTITY_CACHE_BYTES = 16 << 20;

export class CacheBudget {
  constructor(public bytes: number) {}
}

export class TagCache {
  private off = new Uint32Array(0);
  /** Rendered length per slot; 0 = not cached. */
  private len = new Uint16Array(0);
  private arena = Buffer.alloc(0);
  /** The arena as a plain Uint8Array: its subarray is cheaper than a Buffer's. */
  private view = new Uint8Array(0);
  private pos = 0;
  /** Arena bytes of dropped entries. */
  private dead = 0;
  hits = 0;
  misses = 0;
  clears = 0;
  /** Renderings not kept because the arena was full. */
  skipped = 0;

  constructor(
    private readonly budget = new CacheBudget(Infinity),
    private readonly limit = 1 << 16,
    private readonly arenaBytes = 4 << 20,
  ) {}

  /** Gives everything back to the budget (the family was reloaded or removed). */
  release(): void {
    this.budget.bytes += this.bytes;
    this.off = new Uint32Array(0);
    this.len = new Uint16Array(0);
    this.arena = Buffer.alloc(0);
    this.view = new Uint8Array(0);
    this.pos = 0;
    this.reserved = 0;
  }

  /** Bytes of the budget held for the family's other prebuilt renderings (tag combinations). */
  private reserved = 0;

  /** Takes `n` bytes of the budget for another prebuilt rendering of this family, given back by
   * `release`; false when the budget has not got them (the caller renders without keeping). */
  reserve(n: number): boolean {
    if (!this.take(n)) return false;
    this.reserved += n;
    return true;
  }

  /** Takes `n` bytes from the budget; false when it has not got them. */
  private take(n: number): boolean {
    if (this.budget.bytes < n) return false;
    this.budget.bytes -= n;
    return true;
  }

  /** Bytes held (index, arena, reservations), for the memory figures. */
  get bytes(): number {
    return this.off.byteLength + this.len.byteLength + this.arena.byteLength + this.reserved;
  }

  /** Copies slot `j`'s rendering to `out` at `at`; returns the new end, or -1 when not cached. */
  copyTo(j: number, out: Buffer, at: number): number {
    const n = j < this.len.length ? this.len[j]! : 0;
    if (n === 0) {
      this.misses++;
      return -1;
    }
    this.hits++;
    const s = this.off[j]!;
    // Measured on 40–100-byte identities: Uint8Array#set of a subarray takes ~50 ns, Buffer#copy
    // ~65 ns, a byte loop 95–200 ns.
    out.set(this.view.subarray(s, s + n), at);
    return at + n;
  }

  /** Keeps `src[from, to)` as slot `j`'s rendering. */
  put(j: number, src: Buffer, from: number, to: number): void {
    const n = to - from;
    if (j >= this.limit || n <= 0 || n > 0xffff) return;
    if (j >= this.len.length && !this.grow(j + 1)) return;
    if (this.pos + n > this.arena.length) {
      // Grown by doubling, so a family of a few series (most are) holds kilobytes, not the cap.
      if (this.arena.length < this.arenaBytes) this.growArena(this.pos + n);
      if (this.pos + n > this.arena.length) {
        if (this.dead * 2 < this.pos || n > this.arena.length) {
          this.skipped++;
          return;
        }
        this.clear();
      }
    }
    src.copy(this.arena, this.pos, from, to);
    this.off[j] = this.pos;
    this.len[j] = n;
    this.pos += n;
  }

  /** Slot `j` has a new identity (churn): its old rendering must never be sent again. */
  drop(j: number): void {
    if (j >= this.len.length) return;
    this.dead += this.len[j]!;
    this.len[j] = 0;
  }

  private clear(): void {
    this.clears++;
    this.len.fill(0);
    this.pos = 0;
    this.dead = 0;
  }

  private growArena(need: number): void {
    let cap = Math.max(this.arena.length * 2, 16 << 10);
    while (cap < need) cap *= 2;
    cap = Math.min(cap, this.arenaBytes);
    if (!this.take(cap - this.arena.length)) return;
    const a = Buffer.allocUnsafe(cap);
    this.arena.copy(a, 0, 0, this.pos);
    this.arena = a;
    this.view = new Uint8Array(a.buffer, a.byteOffset, a.length);
  }

  private grow(need: number): boolean {
    const cap = Math.min(this.limit, Math.max(need, this.len.length * 2, 1024));
    if (!this.take((cap - this.len.length) * 6)) return false;
    const off = new Uint32Array(cap);
    const len = new Uint16Array(cap);
    off.set(this.off);
    len.set(this.len);
    this.off = off;
    this.len = len;
    return true;
  }
}
