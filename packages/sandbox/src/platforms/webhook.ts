// A generic webhook receiver: the Standard Webhooks signature and its freshness checked first, with
// the secrets this receiver was given for the partner (two while Proviso rotates one), then the
// message against the schema Proviso publishes for it. `POST /__sandbox/webhook/secrets` gives it a
// secret, as the partner's engineers would paste a new one into their receiver.
import { webhook as format } from "@proviso/partners";
import { jsonOf, type PlayedPlatform } from "../platform";

export const webhook: PlayedPlatform = {
  receivers: [
    {
      path: /^\/webhook\/([a-z0-9-]+)$/,
      partner: (m) => m![1]!,
      check: (c, body) => c.webhook(body),
      authenticate(ctx, req, raw) {
        const known = ctx.options.webhookSecrets;
        if (!known) return { bearer: null };
        const partner = /^\/webhook\/([a-z0-9-]+)/.exec(req.url ?? "")?.[1] ?? "";
        const secrets = known[partner] ?? [];
        const now = Math.floor((ctx.options.now ?? Date.now)() / 1000);
        const problem = secrets.length ? format.checkWebhookSignature(secrets, raw, req.headers, now) : `this receiver holds no secret for ${partner}`;
        return problem ? { status: 401, body: { error: "bad signature", message: problem }, recordErrors: [`signature: ${problem}`] } : { bearer: null };
      },
      success: () => ({ status: 200, body: { ok: true } }),
    },
  ],
  // The partner's receiver takes a secret Proviso gave it: added beside those it has (a rotation's
  // overlap), or in their place (`replace`: the partner has switched over).
  async api(ctx, method, path, raw) {
    if (method !== "POST" || path !== "/__sandbox/webhook/secrets") return null;
    const parsed = jsonOf(raw);
    if ("status" in parsed) return parsed;
    const req = parsed.body as { partner?: unknown; secret?: unknown; replace?: unknown };
    if (typeof req?.partner !== "string" || typeof req.secret !== "string" || !req.secret.startsWith("whsec_"))
      return { status: 400, body: { error: "partner and secret (whsec_…) are required" } };
    const known = (ctx.options.webhookSecrets ??= {});
    known[req.partner] = req.replace === true ? [req.secret] : [...new Set([req.secret, ...(known[req.partner] ?? [])])];
    return { status: 200, body: { partner: req.partner, secrets: known[req.partner]!.length } };
  },
};
