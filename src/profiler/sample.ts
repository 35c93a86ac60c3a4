// Bounded, mergeable samples the fits need: tracked series (bottom-k by series hash) and arrival
// instants in whole windows (bottom-k windows by a hash of the window index). Families are kept at
// two window lengths — 1 min for dense arrivals, 1 h for sparse ones, where a minute holds one
// instant and a sample of minutes would have no consecutive pairs — and the fit uses whichever
// sample holds more consecutive pairs. Both keep the
// items with the smallest hashes, so the sample of a merged profile is exactly the sample of the
// union, whatever the split across parts and workers, and each kept item has its full history.
import { mix32 } from '../lib/rng.js';

export const WINDOW_MS = 60_000;

export interface InstantWindowsState {
  cap: number;
  windowMs: number;
  windows: Array<[number, number[]]>;
}

/**
 * Arrival instants kept in whole windows. Memory: at most 2 × `cap` instants (8 B each; trimmed to
 * `cap` in batches) plus one small array per window: cap 8192 → ≤ 128 KiB + overhead per family.
 */
export class InstantWindows {
  private readonly windows = new Map<number, number[]>();
  private total = 0;
  /** Largest window hash kept once full; windows hashing above it are not taken. */
  private threshold = 0xffffffff;
  private lastIdx = NaN;
  private last: number[] | undefined;

  constructor(
    readonly cap = 8192,
    readonly windowMs = WINDOW_MS,
  ) {}

  /** Keeps `v` (the instant itself unless a caller packs more into it) in `tMs`'s window. */
  add(tMs: number, v = tMs): void {
    const idx = Math.floor(tMs / this.windowMs);
    if (idx === this.lastIdx) {
      if (this.last) {
        this.last.push(v);
        if (++this.total > 2 * this.cap) this.evict();
      }
      return;
    }
    this.lastIdx = idx;
    let w = this.windows.get(idx);
    if (!w) {
      if (mix32(idx) > this.threshold) {
        this.last = undefined;
        return;
      }
      this.windows.set(idx, (w = []));
    }
    this.last = w;
    w.push(v);
    if (++this.total > 2 * this.cap) this.evict();
  }

  /**
   * Drops the highest-hash windows until at most `cap` instants remain. Called only once the
   * total reaches twice the cap, so each call is one sort over the windows, amortised.
   */
  private evict(): void {
    if (this.total <= this.cap || this.windows.size <= 1) return;
    const keys = [...this.windows.keys()].sort((a, b) => mix32(a) - mix32(b) || a - b);
    let kept = 0;
    let i = 0;
    for (; i < keys.length; i++) {
      const n = this.windows.get(keys[i]!)!.length;
      if (i > 0 && kept + n > this.cap) break;
      kept += n;
    }
    for (const k of keys.slice(i)) {
      this.total -= this.windows.get(k)!.length;
      this.windows.delete(k);
      if (k === this.lastIdx) this.last = undefined;
    }
    if (i < keys.length) this.threshold = Math.min(this.threshold, mix32(keys[i]!) - 1);
  }

  merge(o: InstantWindowsState): this {
    for (const [k, ts] of o.windows) {
      if (mix32(k) > this.threshold) continue;
      const w = this.windows.get(k);
      if (w) for (const t of ts) w.push(t);
      else this.windows.set(k, ts.slice());
      this.total += ts.length;
    }
    this.lastIdx = NaN;
    this.last = undefined;
    if (this.total > this.cap) this.evict();
    return this;
  }

  state(): InstantWindowsState {
    this.evict();
    return { cap: this.cap, windowMs: this.windowMs, windows: [...this.windows] };
  }

  static fromState(s: InstantWindowsState): InstantWindows {
    return new InstantWindows(s.cap, s.windowMs).merge(s);
  }

  /** Contiguous runs of kept windows as [startMs, endMs, sorted distinct instants]. */
  segments(): Array<{ startMs: number; endMs: number; times: number[] }> {
    this.evict();
    const keys = [...this.windows.keys()].sort((a, b) => a - b);
    const out: Array<{ startMs: number; endMs: number; times: number[] }> = [];
    for (const k of keys) {
      const ts = [...new Set(this.windows.get(k))].sort((a, b) => a - b);
      const prev = out[out.length - 1];
      const w = this.windowMs;
      if (prev && prev.endMs === k * w) {
        prev.endMs = (k + 1) * w;
        for (const t of ts) prev.times.push(t);
      } else out.push({ startMs: k * w, endMs: (k + 1) * w, times: ts });
    }
    return out;
  }

  /** Consecutive-instant pairs inside segments: what a Hawkes fit and its KS can use. */
  intervals(): number {
    return this.segments().reduce((a, s) => a + Math.max(0, s.times.length - 1), 0);
  }

  get size(): number {
    return this.total;
  }
}
