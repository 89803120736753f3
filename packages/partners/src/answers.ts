// How to read a partner's answer: delivered, try again later, refresh the token, stop (revoked),
// or give up (dead letter). Pure: the caller passes the attempt number, the clock and randomness.
export type DeliveryOutcome =
  | { kind: "delivered" }
  | { kind: "retry"; delayMs: number; reason: string }
  | { kind: "refresh_token" }
  | { kind: "revoked" }
  | { kind: "dead"; reason: string };

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 5 * 60_000 };

/** Exponential backoff with full jitter: uniform in [0, min(max, base · 2^(attempt-1))]. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(random() * ceiling);
}

/** `Retry-After` as seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * `status` null means no answer (timeout, connection refused). `attempt` counts this one (1-based).
 * `tokenRefreshed` says whether this attempt already used a freshly refreshed token.
 */
export function classifyResponse(opts: {
  status: number | null;
  retryAfter?: string | null;
  attempt: number;
  tokenRefreshed?: boolean;
  now: number;
  policy?: RetryPolicy;
  random?: () => number;
}): DeliveryOutcome {
  const policy = opts.policy ?? DEFAULT_RETRY;
  const s = opts.status;
  if (s !== null && s >= 200 && s < 300) return { kind: "delivered" };
  if (s === 401) return opts.tokenRefreshed ? { kind: "dead", reason: "401 after refreshing the token" } : { kind: "refresh_token" };
  if (s === 403) return { kind: "revoked" };
  const retriable = s === null || s === 408 || s === 429 || s >= 500;
  if (!retriable) return { kind: "dead", reason: `${s} (not retriable)` };
  if (opts.attempt >= policy.maxAttempts) return { kind: "dead", reason: `gave up after ${opts.attempt} attempts (last: ${s ?? "no answer"})` };
  const backoff = backoffDelay(opts.attempt, policy, opts.random);
  const told = s === 429 ? parseRetryAfter(opts.retryAfter, opts.now) : null;
  return {
    kind: "retry",
    delayMs: told !== null ? Math.max(told, backoff) : backoff,
    reason: s === null ? "no answer" : String(s),
  };
}
