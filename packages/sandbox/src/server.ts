// The partner sandbox: plays the Alexa event gateway, Google Home Graph and a generic webhook on
// loopback, records what it gets (each message checked against the platform's schema, a webhook
// also for its signature), and injects faults on request. `/__sandbox/*` is its own API.
import { randomUUID } from "node:crypto";
import http from "node:http";
import { webhook as webhookFormat, type MessageCheck } from "@proviso/partners";
import { deviceIdsOf, Recorder, type Fault } from "./recorder";

const MAX_BODY = 1_000_000;

interface Route {
  partner: string;
  check?: "alexa" | "google" | "googleRequestSync" | "webhook";
  success: (body: unknown) => { status: number; body?: unknown };
}

/** Checks a message against the platform's schema (see @proviso/partners createMessageChecker). */
export interface SchemaChecker {
  alexa(body: unknown): MessageCheck;
  google(body: unknown): MessageCheck;
  googleRequestSync(body: unknown): MessageCheck;
  googleSync(body: unknown): MessageCheck;
  webhook(body: unknown): MessageCheck;
}

export interface SandboxOptions {
  /**
   * The integration's Google fulfillment URL. Like Home Graph, the sandbox answers a requestSync
   * and then asks SYNC there (with the bearer the requestSync came with) and records the answer,
   * checked against Google's SYNC response schema. Without it, a requestSync is only recorded.
   */
  googleFulfillmentUrl?: string;
  /**
   * The webhook's shared secret. With it, the sandbox checks each webhook's signature and
   * timestamp as a receiver would and refuses (401) one that fails; without it, they are not checked.
   */
  webhookSecret?: string;
  /** The receiver's clock, ms (tests whose worker runs on a clock of its own pass it). */
  now?: () => number;
}

function routeFor(method: string, path: string): Route | null {
  if (method !== "POST") return null;
  if (path === "/alexa/v3/events") return { partner: "alexa", check: "alexa", success: () => ({ status: 202 }) };
  if (path === "/google/v1/devices:reportStateAndNotification") {
    return {
      partner: "google-home",
      check: "google",
      success: (b) => ({ status: 200, body: { requestId: (b as { requestId?: string })?.requestId ?? "" } }),
    };
  }
  // Home Graph answers requestSync with an empty object, then asks the integration for SYNC
  // (`SandboxOptions.googleFulfillmentUrl`; without it the sandbox records the request and stops).
  if (path === "/google/v1/devices:requestSync") return { partner: "google-home", check: "googleRequestSync", success: () => ({ status: 200, body: {} }) };
  const webhook = /^\/webhook\/([a-z0-9-]+)$/.exec(path);
  if (webhook) return { partner: webhook[1]!, check: "webhook", success: () => ({ status: 200, body: { ok: true } }) };
  return null;
}

export function createSandbox(recorder = new Recorder(), checker: SchemaChecker | null = null, options: SandboxOptions = {}) {
  /** What Google does after a requestSync: ask the integration for SYNC and look at the answer. */
  const askSync = async (url: string, authorization: string | null) => {
    const requestId = randomUUID();
    let status = 0;
    let body: unknown = null;
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ requestId, inputs: [{ intent: "action.devices.SYNC" }] }),
        signal: AbortSignal.timeout(10_000),
      });
      status = res.status;
      const text = await res.text();
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    } catch (err) {
      body = { error: (err as Error).message };
    }
    const check = checker && status === 200 ? checker.googleSync(body) : null;
    recorder.record({
      partner: "google-home",
      endpoint: `${new URL(url).pathname} (SYNC response)`,
      receivedAt: new Date().toISOString(),
      deviceIds: deviceIdsOf(body),
      messageId: requestId,
      authorization,
      status,
      schemaValid: check ? check.valid : null,
      schemaErrors: check?.errors ?? [],
      body,
    });
  };

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(body === undefined ? "" : JSON.stringify(body));
    };
    try {
      const raw = await readBody(req);
      if (url.pathname === "/healthz") return send(200, { ok: true });
      if (url.pathname === "/__sandbox/messages") {
        if (req.method === "DELETE") {
          recorder.clear();
          return send(204);
        }
        const since = url.searchParams.get("since");
        return send(200, {
          messages: recorder.list({
            partner: url.searchParams.get("partner") ?? undefined,
            device: url.searchParams.get("device") ?? undefined,
            since: since ? Number(since) : undefined,
          }),
        });
      }
      const faultPath = /^\/__sandbox\/faults\/([a-z0-9-]+)$/.exec(url.pathname);
      if (faultPath) {
        const partner = faultPath[1]!;
        if (req.method === "DELETE") {
          recorder.faults.delete(partner);
          return send(204);
        }
        const fault = parseFault(raw);
        if (typeof fault === "string") return send(400, { error: fault });
        recorder.faults.set(partner, fault);
        return send(200, { partner, fault });
      }

      // Login with Amazon's token endpoint, played here: AcceptGrant codes and refreshes.
      if (req.method === "POST" && url.pathname === "/alexa/auth/o2/token") {
        const form = new URLSearchParams(raw);
        const grant = form.get("grant_type");
        const ok =
          (grant === "authorization_code" && !!form.get("code") && form.get("code") !== "invalid") ||
          (grant === "refresh_token" && recorder.refreshTokens.has(form.get("refresh_token") ?? ""));
        if (!ok) return send(400, { error: "invalid_grant" });
        const access = `Atza|${randomUUID()}`;
        const refresh = `Atzr|${randomUUID()}`;
        recorder.accessTokens.set(access, false);
        recorder.refreshTokens.add(refresh);
        return send(200, { access_token: access, refresh_token: refresh, token_type: "bearer", expires_in: 3600 });
      }
      if (req.method === "POST" && url.pathname === "/__sandbox/tokens/expire") {
        const token = (JSON.parse(raw || "{}") as { token?: string }).token ?? "";
        if (!recorder.accessTokens.has(token)) return send(404, { error: "no such token" });
        recorder.accessTokens.set(token, true);
        return send(200, { expired: token });
      }

      const route = routeFor(req.method ?? "GET", url.pathname);
      if (!route) return send(404, { error: `no such endpoint: ${req.method} ${url.pathname}` });
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        return send(400, { error: "body is not JSON" });
      }
      const fault = recorder.faults.get(route.partner);
      if (fault?.latencyMs) await new Promise((r) => setTimeout(r, fault.latencyMs));
      const faulted = fault?.status && Math.random() < (fault.errorRate ?? 1);
      const check = route.check && checker ? checker[route.check](body) : null;
      const bearer = req.headers.authorization?.replace(/^Bearer /, "");
      /** What this endpoint received, with the status it was answered and what its check found. */
      const recordAnswer = (status: number, found: MessageCheck | null) =>
        recorder.record({
          partner: route.partner,
          endpoint: url.pathname,
          receivedAt: new Date().toISOString(),
          deviceIds: deviceIdsOf(body),
          messageId: messageIdOf(body),
          authorization: req.headers.authorization ?? null,
          status,
          schemaValid: found ? found.valid : null,
          schemaErrors: found?.errors ?? [],
          body,
        });
      if (route.check === "webhook") {
        // A webhook is signed, not carried with a bearer: a receiver checks the signature first.
        const problem = options.webhookSecret ? webhookFormat.checkWebhookSignature(options.webhookSecret, raw, req.headers, Math.floor((options.now ?? Date.now)() / 1000)) : null;
        if (problem) {
          recordAnswer(401, { valid: false, errors: [`signature: ${problem}`] });
          return send(401, { error: "bad signature", message: problem });
        }
      } else if (route.check && !req.headers.authorization?.startsWith("Bearer ")) {
        return send(401, { error: "missing bearer token" });
      }
      if (bearer && recorder.accessTokens.get(bearer) === true) {
        recordAnswer(401, null);
        return send(401, { error: "INVALID_ACCESS_TOKEN_EXCEPTION", message: "the access token has expired" });
      }
      // Like the platform: a message that breaks its schema is refused.
      const answer = faulted
        ? { status: fault.status!, body: { error: "injected fault" } }
        : check && !check.valid
          ? { status: 400, body: { error: "INVALID_REQUEST_EXCEPTION", details: check.errors } }
          : route.success(body);
      recordAnswer(answer.status, check);
      const headers: Record<string, string> =
        faulted && fault?.retryAfterSeconds ? { "retry-after": String(fault.retryAfterSeconds) } : {};
      send(answer.status, answer.body, headers);
      if (route.check === "googleRequestSync" && answer.status === 200 && options.googleFulfillmentUrl) {
        void askSync(options.googleFulfillmentUrl, req.headers.authorization ?? null);
      }
      return;
    } catch (err) {
      return send(413, { error: (err as Error).message });
    }
  });
  return { server, recorder };
}

function messageIdOf(body: unknown): string | null {
  const b = body as { event?: { header?: { messageId?: string } }; requestId?: string; messageId?: string };
  const id = b?.event?.header?.messageId ?? b?.requestId ?? b?.messageId;
  return typeof id === "string" ? id : null;
}

function parseFault(raw: string): Fault | string {
  let f: Record<string, unknown>;
  try {
    f = JSON.parse(raw || "{}");
  } catch {
    return "fault is not JSON";
  }
  const num = (k: string, min: number, max: number) => {
    const v = f[k];
    if (v === undefined) return undefined;
    if (typeof v !== "number" || v < min || v > max) throw new Error(`${k} must be a number from ${min} to ${max}`);
    return v;
  };
  try {
    return {
      status: num("status", 100, 599),
      errorRate: num("errorRate", 0, 1),
      latencyMs: num("latencyMs", 0, 60_000),
      retryAfterSeconds: num("retryAfterSeconds", 0, 3600),
    };
  } catch (err) {
    return (err as Error).message;
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error(`body over ${MAX_BODY} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
