// SmartThings: its side of the Schema connector. It receives state and discovery callbacks (the
// callback token checked, each message against SmartThings' published shapes), plays its token
// endpoint (accessTokenRequest, refreshAccessTokens), and, through the sandbox's API, sends the
// connector the interactions SmartThings sends: installing (a discovery request, then callback
// access granted with a code and its callback URLs), state refresh, integration deleted.
import { randomUUID } from "node:crypto";
import { deviceIdsOf } from "../recorder";
import { askWorker, jsonOf, type Answer, type Context, type PlayedPlatform } from "../platform";

/** The connector's client SmartThings knows when nothing else is configured (the worker's sandbox defaults). */
export const SANDBOX_SMARTTHINGS_CLIENT = { clientId: "proviso-sandbox-smartthings", clientSecret: "proviso-sandbox-smartthings-secret" };

const headers = (interactionType: string, requestId = randomUUID()) => ({ schema: "st-schema", version: "1.0", interactionType, requestId });
const globalError = (interactionType: string, detail: string, errorEnum: string) => ({ headers: headers(interactionType), globalError: { detail, errorEnum } });

/** Sends the connector one interaction as SmartThings would, and records its answer, checked. */
async function interact(ctx: Context, body: { headers: { interactionType: string; requestId: string } } & Record<string, unknown>): Promise<Answer> {
  const url = ctx.options.smartthingsConnectorUrl;
  if (!url) return { status: 409, body: { error: "the sandbox was started without a SmartThings connector URL" } };
  const answer = await askWorker(url, body, null);
  const check = ctx.checker && answer.status > 0 ? ctx.checker.smartthings(answer.body) : null;
  ctx.recorder.record({
    partner: "smartthings",
    endpoint: `${new URL(url).pathname} (${body.headers.interactionType} answer)`,
    receivedAt: new Date().toISOString(),
    deviceIds: deviceIdsOf(answer.body),
    messageId: body.headers.requestId,
    authorization: null,
    status: answer.status,
    schemaValid: check ? check.valid : null,
    schemaErrors: check?.errors ?? [],
    body: answer.body,
  });
  return { status: answer.status === 0 ? 502 : 200, body: answer };
}

/** The token endpoint: a granted code or a refresh token, and the connector's client, for callback tokens. */
function tokenEndpoint(ctx: Context, raw: string): Answer {
  const parsed = jsonOf(raw);
  if ("status" in parsed) return parsed;
  const b = parsed.body as {
    headers?: { interactionType?: string };
    callbackAuthentication?: { grantType?: string; code?: string; refreshToken?: string; clientId?: string; clientSecret?: string };
  };
  const type = b?.headers?.interactionType ?? "accessTokenRequest";
  const check = ctx.checker?.smartthings(parsed.body);
  if (check && !check.valid) return { status: 400, body: globalError(type, check.errors.join("; "), "BAD-REQUEST") };
  const auth = b.callbackAuthentication!;
  const client = ctx.options.smartthingsClient ?? SANDBOX_SMARTTHINGS_CLIENT;
  if (auth.clientId !== client.clientId || auth.clientSecret !== client.clientSecret)
    return { status: 401, body: globalError(type, "unknown client", "INVALID-CLIENT") };
  const ok = type === "accessTokenRequest" ? ctx.recorder.grantCodes.delete(auth.code ?? "") : ctx.recorder.refreshTokens.has(auth.refreshToken ?? "");
  if (!ok)
    return {
      status: 400,
      body: globalError(type, "the code or refresh token is not one SmartThings issued", type === "accessTokenRequest" ? "INVALID-CODE" : "INVALID-TOKEN"),
    };
  const accessToken = `st-access-${randomUUID()}`;
  const refreshToken = `st-refresh-${randomUUID()}`;
  ctx.recorder.accessTokens.set(accessToken, false);
  ctx.recorder.refreshTokens.add(refreshToken);
  return {
    status: 200,
    body: { headers: headers("accessTokenResponse"), callbackAuthentication: { tokenType: "Bearer", accessToken, refreshToken, expiresIn: 86_400 } },
  };
}

export const smartthings: PlayedPlatform = {
  receivers: [
    {
      path: "/smartthings/callback",
      partner: () => "smartthings",
      check: (c, body) => c.smartthings(body),
      // The callback token travels in the body (`authentication.token`), not in a header.
      authenticate(ctx, _req, _raw, body) {
        const b = body as { headers?: { interactionType?: string }; authentication?: { token?: string } } | null;
        const token = b?.authentication?.token ?? "";
        const type = b?.headers?.interactionType ?? "stateCallback";
        if (!ctx.recorder.accessTokens.has(token))
          return { status: 401, body: globalError(type, "unknown callback token", "INVALID-TOKEN"), recordErrors: ["authentication: unknown callback token"] };
        return { bearer: token };
      },
      success: () => ({ status: 200, body: {} }),
    },
  ],
  async api(ctx, method, path, raw) {
    if (method !== "POST") return null;
    if (path === "/smartthings/oauth/token") return tokenEndpoint(ctx, raw);
    if (path !== "/__sandbox/smartthings/install" && path !== "/__sandbox/smartthings/ask") return null;
    const parsed = jsonOf(raw);
    if ("status" in parsed) return parsed;
    const req = parsed.body as { token?: string; interactionType?: string; deviceIds?: string[] };
    if (!req?.token) return { status: 400, body: { error: "token is required: the link's access token, as SmartThings holds it" } };
    const authentication = { tokenType: "Bearer", token: req.token };
    if (path === "/__sandbox/smartthings/ask") {
      const type = req.interactionType ?? "stateRefreshRequest";
      return interact(ctx, { headers: headers(type), authentication, devices: (req.deviceIds ?? []).map((externalDeviceId) => ({ externalDeviceId })) });
    }
    return installConnector(ctx, req.token);
  },
};

/** Installing the connector, as SmartThings does once linked: it discovers the devices, then grants callback access. */
export async function installConnector(ctx: Context, token: string): Promise<Answer> {
  const authentication = { tokenType: "Bearer", token };
  const discovery = await interact(ctx, { headers: headers("discoveryRequest"), authentication });
  const code = `st-code-${randomUUID()}`;
  ctx.recorder.grantCodes.add(code);
  const client = ctx.options.smartthingsClient ?? SANDBOX_SMARTTHINGS_CLIENT;
  const grant = await interact(ctx, {
    headers: headers("grantCallbackAccess"),
    authentication,
    callbackAuthentication: { grantType: "authorization_code", scope: "callback_access", code, clientId: client.clientId },
    callbackUrls: { oauthToken: `${ctx.base}/smartthings/oauth/token`, stateCallback: `${ctx.base}/smartthings/callback` },
  });
  return { status: 200, body: { discovery: discovery.body, grant: grant.body } };
}
