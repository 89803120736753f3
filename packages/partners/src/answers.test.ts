import { describe, expect, it } from "vitest";
import { backoffDelay, classifyResponse, DEFAULT_RETRY, parseRetryAfter } from "./answers";
import { signWebhook, verifyWebhook } from "./webhook/messages";

const NOW = Date.UTC(2026, 10, 24, 12);
const max = () => 0.999999;

describe("classifyResponse", () => {
  it.each([
    [202, "delivered"],
    [200, "delivered"],
    [403, "revoked"],
    [401, "refresh_token"],
    [400, "dead"],
    [404, "dead"],
    [413, "dead"],
    [500, "retry"],
    [503, "retry"],
    [429, "retry"],
    [null, "retry"],
  ] as const)("%s → %s", (status, kind) => {
    expect(classifyResponse({ status, attempt: 1, now: NOW }).kind).toBe(kind);
  });

  it("refreshes a token once, then gives up on a second 401", () => {
    expect(classifyResponse({ status: 401, attempt: 2, tokenRefreshed: true, now: NOW })).toEqual({
      kind: "dead",
      reason: "401 after refreshing the token",
    });
  });

  it("honours Retry-After on 429, never retrying sooner than the backoff either", () => {
    const told = classifyResponse({ status: 429, retryAfter: "30", attempt: 1, now: NOW, random: () => 0 });
    expect(told).toEqual({ kind: "retry", delayMs: 30_000, reason: "429" });
    const date = new Date(NOW + 12_000).toUTCString();
    expect(parseRetryAfter(date, NOW)).toBe(12_000);
    expect(parseRetryAfter("soon", NOW)).toBeNull();
  });

  it("backs off exponentially with jitter, bounded, and dead-letters after the last attempt", () => {
    expect(backoffDelay(1, DEFAULT_RETRY, max)).toBe(500);
    expect(backoffDelay(4, DEFAULT_RETRY, max)).toBe(4_000);
    expect(backoffDelay(30, DEFAULT_RETRY, max)).toBe(DEFAULT_RETRY.maxDelayMs);
    expect(backoffDelay(4, DEFAULT_RETRY, () => 0)).toBe(0);
    expect(classifyResponse({ status: 503, attempt: DEFAULT_RETRY.maxAttempts, now: NOW }).kind).toBe("dead");
  });
});

describe("webhook signatures", () => {
  it("verify with the right secret and body only", () => {
    const body = JSON.stringify({ a: 1 });
    const headers = signWebhook("s3cret", body, 1_700_000_000);
    expect(verifyWebhook("s3cret", body, headers)).toBe(true);
    expect(verifyWebhook("other", body, headers)).toBe(false);
    expect(verifyWebhook("s3cret", body.replace("1", "2"), headers)).toBe(false);
  });
});
