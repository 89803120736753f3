// Alexa: the event gateway (ChangeReport, AddOrUpdateReport, DeleteReport: 202 once checked
// against Amazon's schema) and Login with Amazon's token endpoint (AcceptGrant codes, refreshes).
import { randomUUID } from "node:crypto";
import { bearerOf, type PlayedPlatform } from "../platform";

export const alexa: PlayedPlatform = {
  receivers: [
    {
      // The three regional gateways: North America, Europe and India (eu), Far East (fe).
      path: /^\/alexa(\/eu|\/fe)?\/v3\/events$/,
      partner: () => "alexa",
      check: (c, body) => c.alexa(body),
      authenticate: (_ctx, req) => bearerOf(req),
      success: () => ({ status: 202 }),
    },
  ],
  async api(ctx, method, path, raw) {
    if (method !== "POST" || path !== "/alexa/auth/o2/token") return null;
    const form = new URLSearchParams(raw);
    const grant = form.get("grant_type");
    const ok =
      (grant === "authorization_code" && !!form.get("code") && form.get("code") !== "invalid") ||
      (grant === "refresh_token" && ctx.recorder.refreshTokens.has(form.get("refresh_token") ?? ""));
    if (!ok) return { status: 400, body: { error: "invalid_grant" } };
    const access = `Atza|${randomUUID()}`;
    const refresh = `Atzr|${randomUUID()}`;
    ctx.recorder.accessTokens.set(access, false);
    ctx.recorder.refreshTokens.add(refresh);
    return { status: 200, body: { access_token: access, refresh_token: refresh, token_type: "bearer", expires_in: 3600 } };
  },
};
