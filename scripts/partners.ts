// The credentials between Proviso and each partner, as the maker's operators manage them:
//   npm run partners -- client <partnerId> [--redirect-uri <uri>…] [--client-id <id>] [--overlap-hours <h>]
//     registers a platform's OAuth client (account linking, and the partner API), or gives an
//     existing one a new secret; the old secret is still accepted for the overlap (default 24 h).
//     Without a redirect URI a new client cannot link homes, only call the partner API; an existing
//     one keeps its redirect URIs.
//   npm run partners -- link-url <partnerId> <url>
//     the platform's page where a homeowner starts linking (the dashboard's "Link" goes there).
//   npm run partners -- signing-secret <partnerId> [--overlap-hours <h>] [--list] [--end-overlap]
//     makes a webhook partner a new signing secret (Standard Webhooks); messages carry a signature
//     with the old one too for the overlap (default 24 h). --list shows the secrets (never their
//     value); --end-overlap stops signing with the old ones now (the partner has switched over).
// Every secret is printed once; client secrets are kept as hashes, signing secrets sealed.
import {
  createTokenCipher,
  DEFAULT_CLIENT_SECRET_OVERLAP_HOURS,
  listSigningSecrets,
  registerOAuthClient,
  retirePreviousSigningSecrets,
  rotateSigningSecret,
  setPartnerLinkUrl,
  type RotatedSecret,
} from "@proviso/core";
import { ConfigError, type RuntimeConfig } from "@proviso/config";
import { createDb, type Database } from "@proviso/db";
import { parseArgs } from "node:util";
import { readDataFile, scriptConfig } from "./lib/runtime-config";

function fail(message: string): never {
  console.error(`partners: ${message}`);
  process.exit(2);
}

const USAGE = [
  "usage: npm run partners -- client <partnerId> [--redirect-uri <uri>…] [--client-id <id>] [--overlap-hours <h>]",
  "       npm run partners -- link-url <partnerId> <url>",
  "       npm run partners -- signing-secret <partnerId> [--overlap-hours <h>] [--list] [--end-overlap]",
].join("\n");
let parsed: ReturnType<typeof parse>;
const parse = () =>
  parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      "redirect-uri": { type: "string", multiple: true },
      "client-id": { type: "string" },
      "overlap-hours": { type: "string" },
      list: { type: "boolean" },
      "end-overlap": { type: "boolean" },
    },
  });
try {
  parsed = parse();
} catch (err) {
  fail(`${(err as Error).message}\n${USAGE}`);
}
const [command, partnerId, linkUrl] = parsed.positionals;
if ((command !== "client" && command !== "signing-secret" && command !== "link-url") || !partnerId || (command === "link-url" && !linkUrl)) fail(USAGE);
const overlapArg = parsed.values["overlap-hours"];
const overlapHours = overlapArg === undefined ? undefined : Number(overlapArg);
if (overlapHours !== undefined && !Number.isFinite(overlapHours)) fail(`--overlap-hours is not a number: ${overlapArg}`);
let cfg: RuntimeConfig;
try {
  cfg = scriptConfig();
} catch (err) {
  fail(err instanceof ConfigError ? err.message : String(err));
}
const handle = createDb(cfg.databaseUrl, { max: 1, applicationName: "proviso-partners" });
try {
  if (command === "client") await client(handle.db, partnerId);
  else if (command === "link-url") {
    await setPartnerLinkUrl(handle.db, partnerId, linkUrl!);
    console.log(`homeowners start linking ${partnerId} at ${linkUrl}`);
  } else await signingSecret(handle.db, partnerId);
} catch (err) {
  fail((err as Error).message);
} finally {
  await handle.close();
}

async function client(db: Database, partner: string) {
  const redirectUris = parsed.values["redirect-uri"] ?? [];
  const c = await registerOAuthClient(db, {
    partnerId: partner,
    clientId: parsed.values["client-id"],
    redirectUris,
    overlapHours,
  });
  console.log(`client_id      ${c.clientId}`);
  console.log(`client_secret  ${c.clientSecret}   (shown once: give it to ${partner} now)`);
  if (c.previousSecretExpiresAt)
    console.log(`old secret     still accepted until ${c.previousSecretExpiresAt.toISOString()} (${overlapHours ?? DEFAULT_CLIENT_SECRET_OVERLAP_HOURS} h)`);
  console.log(`redirect URIs  ${c.redirectUris.join(", ") || "none: this client calls the partner API only"}`);
  console.log(`authorize at   ${cfg.urls.web}/link/authorize   token at ${cfg.urls.web}/api/oauth/token   revoke at ${cfg.urls.web}/api/oauth/revoke`);
  console.log(`partner API    ${cfg.urls.web}/api/partners/v1/deletion-requests   (HTTP Basic: client_id and client_secret)`);
}

async function signingSecret(db: Database, partner: string) {
  const now = new Date();
  if (parsed.values.list || parsed.values["end-overlap"]) {
    if (parsed.values["end-overlap"]) console.log(`${await retirePreviousSigningSecrets(db, partner, now)} older secret(s) no longer sign`);
    for (const s of await listSigningSecrets(db, partner, now))
      console.log(`${s.state.padEnd(9)} ${s.hint}…  made ${s.createdAt.toISOString()}${s.retiresAt ? `  retires ${s.retiresAt.toISOString()}` : ""}`);
    return;
  }
  const key = process.env.TOKEN_ENCRYPTION_KEY || readDataFile("token-key");
  if (!key) fail("TOKEN_ENCRYPTION_KEY is not set (npm start keeps one in .data/token-key): signing secrets are sealed with it");
  const made = await rotateSigningSecret(db, createTokenCipher(key), { partnerId: partner, overlapHours, now });
  console.log(`signing secret  ${made.secret}   (shown once: give it to ${partner} now)`);
  console.log(
    made.previousRetireAt
      ? `older secrets   still sign every message until ${made.previousRetireAt.toISOString()}: ${partner} verifies with either meanwhile`
      : "older secrets   none",
  );
  await tellSandbox(made);
}

/** Where the sandbox plays the partner's receiver (no WEBHOOK_BASE_URL), it is given the new secret as the partner would be. */
async function tellSandbox(made: RotatedSecret) {
  const token = process.env.SANDBOX_TOKEN || readDataFile("sandbox-token");
  if (process.env.WEBHOOK_BASE_URL || !token) return;
  const res = await fetch(`${cfg.urls.sandbox}/__sandbox/webhook/secrets`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify({ partner: made.partnerId, secret: made.secret }),
    signal: AbortSignal.timeout(5_000),
  }).catch(() => null);
  if (res?.ok) console.log(`partner sandbox given it too (it plays ${made.partnerId}'s receiver)`);
}
