// A generic webhook receiver: the signature and its freshness checked first (with the shared
// secret), then the message against the schema Proviso publishes for it.
import { webhook as format } from "@proviso/partners";
import type { PlayedPlatform } from "../platform";

export const webhook: PlayedPlatform = {
  receivers: [
    {
      path: /^\/webhook\/([a-z0-9-]+)$/,
      partner: (m) => m![1]!,
      check: (c, body) => c.webhook(body),
      authenticate(ctx, req, raw) {
        const secret = ctx.options.webhookSecret;
        const problem = secret ? format.checkWebhookSignature(secret, raw, req.headers, Math.floor((ctx.options.now ?? Date.now)() / 1000)) : null;
        return problem ? { status: 401, body: { error: "bad signature", message: problem }, recordErrors: [`signature: ${problem}`] } : { bearer: null };
      },
      success: () => ({ status: 200, body: { ok: true } }),
    },
  ],
};
