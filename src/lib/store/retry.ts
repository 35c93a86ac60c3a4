// Retry policy for object-store requests: which failures are worth repeating, and how long to wait.
import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryPolicy {
  /** First backoff ceiling; each further attempt multiplies it, up to maxDelayMs. */
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly multiplier: number;
  /** Consecutive failures without progress before the operation gives up. */
  readonly maxAttempts: number;
  /** Per HTTP request; a stalled chunk is abandoned and the session queried. */
  readonly requestTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  initialDelayMs: 500,
  maxDelayMs: 32_000,
  multiplier: 2,
  maxAttempts: 8,
  requestTimeoutMs: 120_000,
});

/** GCS's own list: request timeout, rate limiting and server errors are transient. */
export function isRetriableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * "Full jitter": a uniform wait below an exponentially growing ceiling, so many uploaders that
 * failed together do not come back together.
 */
export function backoffMs(attempt: number, policy: RetryPolicy, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** attempt);
  return Math.floor(random() * ceiling);
}

export async function backoff(
  attempt: number,
  policy: RetryPolicy,
  signal?: AbortSignal,
): Promise<void> {
  const ms = backoffMs(attempt, policy);
  if (ms > 0) await sleep(ms, undefined, { signal });
}

/** Network-level failures from fetch (reset, refused, broken stream, our own request timeout). */
export function isNetworkError(err: unknown, callerSignal?: AbortSignal): boolean {
  if (callerSignal?.aborted) return false;
  if (!(err instanceof Error)) return false;
  return err.name === 'TypeError' || err.name === 'TimeoutError' || err.name === 'AbortError';
}
