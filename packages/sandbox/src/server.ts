// The partner sandbox: plays each platform Proviso speaks to on loopback (platforms/: Alexa's
// event gateway and Login with Amazon, Google Home Graph, SmartThings' side of its Schema connector,
// a generic webhook receiver), records what it gets (each message checked against the platform's
// schema), and injects faults on request. `/__sandbox/*` is its own API.
import { timingSafeEqual } from "node:crypto";
import http from "node:http";
import { type Answer, type Context, type PlayedPlatform, type Receiver, type SandboxOptions, type SchemaChecker, jsonOf } from "./platform";
import { Accounts } from "./accounts";
import { serveTsa } from "./tsa";
import { accountsApi, linkingApp } from "./linking-app";
import { alexa } from "./platforms/alexa";
import { google } from "./platforms/google";
import { smartthings } from "./platforms/smartthings";
import { webhook } from "./platforms/webhook";
import { deviceIdsOf, Recorder, type Fault } from "./recorder";

export type { SandboxOptions, SchemaChecker } from "./platform";

const MAX_BODY = 1_000_000;

/** Every platform the sandbox plays. */
const PLATFORMS: PlayedPlatform[] = [alexa, google, smartthings, webhook];

function receiverFor(method: string, path: string): { receiver: Receiver; match: RegExpExecArray | null } | null {
  if (method !== "POST") return null;
  for (const p of PLATFORMS) {
    for (const receiver of p.receivers) {
      if (typeof receiver.path === "string" ? receiver.path === path : receiver.path.test(path)) {
        return { receiver, match: typeof receiver.path === "string" ? null : receiver.path.exec(path) };
      }
    }
  }
  return null;
}

export function createSandbox(recorder = new Recorder(), checker: SchemaChecker | null = null, options: SandboxOptions = {}, accounts = new Accounts()) {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const send = (a: Answer) => {
      if (a.html !== undefined) {
        res.writeHead(a.status, { "content-type": "text/html; charset=utf-8", ...a.headers });
        return void res.end(a.html);
      }
      res.writeHead(a.status, { "content-type": "application/json", ...a.headers });
      res.end(a.body === undefined ? "" : JSON.stringify(a.body));
    };
    // The time-stamp authority reads its binary request itself (and is no partner: no token asked).
    if (url.pathname === "/tsa" || url.pathname === "/tsa/certificate")
      return void (await serveTsa(req, res, options.tsa, new Date((options.now ?? Date.now)())));
    try {
      const raw = await readBody(req);
      if (url.pathname.startsWith("/__sandbox/") && options.apiToken && !sameToken(req.headers.authorization, options.apiToken)) {
        return send({ status: 401, body: { error: "the sandbox's own API needs its token: Authorization: Bearer <SANDBOX_TOKEN>" } });
      }
      const ctx: Context = { recorder, accounts, checker, options, base: `http://${req.headers.host ?? "localhost"}`, request: req };
      const own =
        (await sandboxApi(ctx, req.method ?? "GET", url, raw)) ??
        accountsApi(ctx, req.method ?? "GET", url, raw) ??
        (await linkingApp(ctx, req.method ?? "GET", url));
      if (own) return send(own);
      for (const p of PLATFORMS) {
        const answer = await p.api?.(ctx, req.method ?? "GET", url.pathname, raw);
        if (answer) return send(answer);
      }
      const found = receiverFor(req.method ?? "GET", url.pathname);
      if (!found) return send({ status: 404, body: { error: `no such endpoint: ${req.method} ${url.pathname}` } });
      const answer = await receive(ctx, found.receiver, found.match, req, url.pathname, raw);
      send(answer);
      if (answer.status < 300) found.receiver.after?.(ctx, req, answer, jsonBody(raw));
      return;
    } catch (err) {
      return send({ status: 413, body: { error: (err as Error).message } });
    }
  });
  return { server, recorder, accounts, options };
}

/**
 * What Proviso sent one platform: authenticated as the platform would, checked against its
 * schema, recorded, answered (or faulted as a test asked).
 */
async function receive(ctx: Context, receiver: Receiver, match: RegExpExecArray | null, req: http.IncomingMessage, path: string, raw: string): Promise<Answer> {
  const parsed = jsonOf(raw);
  if ("status" in parsed) return parsed;
  const body = parsed.body;
  const partner = receiver.partner(match);
  const fault = ctx.recorder.faults.get(partner);
  if (fault?.latencyMs) await new Promise((r) => setTimeout(r, fault.latencyMs));
  const record = (status: number, schemaValid: boolean | null, schemaErrors: string[]) =>
    ctx.recorder.record({
      partner,
      endpoint: path,
      receivedAt: new Date().toISOString(),
      deviceIds: deviceIdsOf(body),
      messageId: messageIdOf(body),
      authorization: req.headers.authorization ?? null,
      status,
      schemaValid,
      schemaErrors,
      body,
    });
  const auth = receiver.authenticate(ctx, req, raw, body);
  if ("status" in auth) {
    if (auth.recordErrors) record(auth.status, false, auth.recordErrors);
    return auth;
  }
  if (auth.bearer && ctx.recorder.accessTokens.get(auth.bearer) === true) {
    record(401, null, []);
    return { status: 401, body: { error: "INVALID_ACCESS_TOKEN_EXCEPTION", message: "the access token has expired" } };
  }
  const faulted = fault?.status && Math.random() < (fault.errorRate ?? 1);
  const check = ctx.checker ? receiver.check(ctx.checker, body) : null;
  // Like the platform: a message that breaks its schema is refused.
  const answer: Answer = faulted
    ? { status: fault.status!, body: { error: "injected fault" }, headers: fault.retryAfterSeconds ? { "retry-after": String(fault.retryAfterSeconds) } : {} }
    : check && !check.valid
      ? { status: 400, body: { error: "INVALID_REQUEST_EXCEPTION", details: check.errors } }
      : receiver.success(body);
  record(answer.status, check ? check.valid : null, check?.errors ?? []);
  return answer;
}

/** The sandbox's own API: what it received, faults to inject, tokens to expire. */
async function sandboxApi(ctx: Context, method: string, url: URL, raw: string): Promise<Answer | null> {
  const { recorder } = ctx;
  if (url.pathname === "/healthz") return { status: 200, body: { ok: true } };
  if (url.pathname === "/__sandbox/messages") {
    if (method === "DELETE") {
      recorder.clear();
      return { status: 204 };
    }
    const since = url.searchParams.get("since");
    const messages = recorder.list({
      partner: url.searchParams.get("partner") ?? undefined,
      device: url.searchParams.get("device") ?? undefined,
      since: since ? Number(since) : undefined,
    });
    return { status: 200, body: { messages } };
  }
  const faultPath = /^\/__sandbox\/faults\/([a-z0-9-]+)$/.exec(url.pathname);
  if (faultPath) {
    const partner = faultPath[1]!;
    if (method === "DELETE") {
      recorder.faults.delete(partner);
      return { status: 204 };
    }
    const fault = parseFault(raw);
    if (typeof fault === "string") return { status: 400, body: { error: fault } };
    recorder.faults.set(partner, fault);
    return { status: 200, body: { partner, fault } };
  }
  if (method === "POST" && url.pathname === "/__sandbox/tokens/expire") {
    const token = (JSON.parse(raw || "{}") as { token?: string }).token ?? "";
    if (!recorder.accessTokens.has(token)) return { status: 404, body: { error: "no such token" } };
    recorder.accessTokens.set(token, true);
    return { status: 200, body: { expired: token } };
  }
  return null;
}

function messageIdOf(body: unknown): string | null {
  const b = body as { event?: { header?: { messageId?: string } }; requestId?: string; messageId?: string; headers?: { requestId?: string } };
  const id = b?.event?.header?.messageId ?? b?.requestId ?? b?.messageId ?? b?.headers?.requestId;
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

function sameToken(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith("Bearer ") ? header.slice(7) : "");
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function jsonBody(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}
