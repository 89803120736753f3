// Google Home Graph: Report State (each trait's state checked against Google's schemas) and
// requestSync, after which, like Home Graph, the sandbox asks the integration for SYNC with the
// token account linking gave Google for that user, and records the answer checked against
// Google's SYNC response schema.
import { randomUUID } from "node:crypto";
import { deviceIdsOf } from "../recorder";
import { accessTokenOf } from "../accounts";
import { askWorker, bearerOf, type Answer, type Context, type PlayedPlatform } from "../platform";
import { googleBearerAccepted, googleTokenEndpoint } from "./google-token";

/** Home Graph's check of the caller: a bearer, and (with a service account configured) one Google's token endpoint issued. */
function homeGraphAuth(ctx: Context, req: Context["request"]): { bearer: string } | Answer {
  const b = bearerOf(req);
  if ("status" in b) return b;
  return googleBearerAccepted(ctx, b.bearer)
    ? b
    : {
        status: 401,
        body: { error: { code: 401, status: "UNAUTHENTICATED", message: "Request had invalid authentication credentials." } },
        recordErrors: ["authentication: not a token Google's token endpoint issued to the service account"],
      };
}

async function askSync(ctx: Context, url: string, authorization: string | null) {
  const requestId = randomUUID();
  const answer = await askWorker(url, { requestId, inputs: [{ intent: "action.devices.SYNC" }] }, authorization);
  const check = ctx.checker && answer.status === 200 ? ctx.checker.googleSync(answer.body) : null;
  ctx.recorder.record({
    partner: "google-home",
    endpoint: `${new URL(url).pathname} (SYNC response)`,
    receivedAt: new Date().toISOString(),
    deviceIds: deviceIdsOf(answer.body),
    messageId: requestId,
    authorization,
    status: answer.status,
    schemaValid: check ? check.valid : null,
    schemaErrors: check?.errors ?? [],
    body: answer.body,
  });
}

export const google: PlayedPlatform = {
  // Home Graph's agent-user deletion: the integration says a user unlinked; Google forgets the
  // user and its devices (and, here, the token it held for that user).
  async api(ctx, method, path, raw) {
    if (method === "POST" && path === "/google/oauth2/token") return googleTokenEndpoint(ctx, raw);
    const m = /^\/google\/v1\/agentUsers\/(.+)$/.exec(path);
    if (!m || method !== "DELETE") return null;
    const auth = homeGraphAuth(ctx, ctx.request);
    if ("status" in auth) return auth;
    const agentUserId = decodeURIComponent(m[1]!);
    const fault = ctx.recorder.faults.get("google-home");
    const status = fault?.status && Math.random() < (fault.errorRate ?? 1) ? fault.status : 200;
    if (status === 200) ctx.accounts.delete("google-home", agentUserId);
    ctx.recorder.record({
      partner: "google-home",
      endpoint: "/google/v1/agentUsers (DELETE)",
      receivedAt: new Date().toISOString(),
      deviceIds: [],
      messageId: agentUserId,
      authorization: ctx.request.headers.authorization ?? null,
      status,
      schemaValid: null,
      schemaErrors: [],
      body: { agentUserId },
    });
    return status === 200 ? { status, body: {} } : { status, body: { error: "injected fault" } };
  },
  receivers: [
    {
      path: "/google/v1/devices:reportStateAndNotification",
      partner: () => "google-home",
      check: (c, body) => c.google(body),
      authenticate: (ctx, req) => homeGraphAuth(ctx, req),
      success: (b) => ({ status: 200, body: { requestId: (b as { requestId?: string })?.requestId ?? "" } }),
    },
    {
      // Home Graph answers requestSync with an empty object, then asks the integration for SYNC.
      path: "/google/v1/devices:requestSync",
      partner: () => "google-home",
      check: (c, body) => c.googleRequestSync(body),
      authenticate: (ctx, req) => homeGraphAuth(ctx, req),
      success: () => ({ status: 200, body: {} }),
      after(ctx, _req, answer, body) {
        const agentUserId = (body as { agentUserId?: string })?.agentUserId;
        const account = agentUserId ? ctx.accounts.get("google-home", agentUserId) : undefined;
        const url = ctx.options.googleFulfillmentUrl;
        // Google asks only for users it linked: it holds no token for any other.
        if (answer.status === 200 && url && account) void accessTokenOf(ctx.options.linking, account).then((token) => askSync(ctx, url, `Bearer ${token}`));
      },
    },
  ],
};
