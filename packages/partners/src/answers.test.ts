import { describe, expect, it } from "vitest";
import { backoffDelay, classifyResponse, DEFAULT_RETRY, parseRetryAfter } from "./answers";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { signWebhook } from "./webhook/messages";

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

describe("webhook signatures (Standard Webhooks)", () => {
  const secret = (seed: string) => `whsec_${Buffer.from(seed.padEnd(32, "-")).toString("base64")}`;
  const [current, previous, stranger] = [secret("current"), secret("previous"), secret("stranger")];

  it("verify with the standardwebhooks verifier, with either secret during a rotation, and never with another or another body", () => {
    const body = JSON.stringify({ a: 1 });
    const headers = signWebhook([current, previous], "msg-1", body, Math.floor(Date.now() / 1000));
    expect(headers["webhook-id"]).toBe("msg-1");
    expect(headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    for (const s of [current, previous]) expect(new Webhook(s).verify(body, headers)).toEqual({ a: 1 });
    expect(() => new Webhook(stranger).verify(body, headers)).toThrow(WebhookVerificationError);
    expect(() => new Webhook(current).verify(body.replace("1", "2"), headers)).toThrow(/No matching signature/);
    expect(() => new Webhook(current).verify(body, { ...headers, "webhook-id": "msg-2" })).toThrow(/No matching signature/);
    // After the overlap, only the current secret signs: a receiver still on the old one refuses.
    const after = signWebhook([current], "msg-3", body, Math.floor(Date.now() / 1000));
    expect(() => new Webhook(previous).verify(body, after)).toThrow(/No matching signature/);
    expect(() => signWebhook([], "msg-4", body, 0)).toThrow(/no signing secret/);
  });
});
