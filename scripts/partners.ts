// `npm run partners -- client <partnerId> --redirect-uri <uri> [--redirect-uri <uri>…] [--client-id <id>]`:
// registers a platform's OAuth client for account linking (or gives an existing one a new secret
// and these redirect URIs). The secret is printed once; only its hash is kept.
import { registerOAuthClient } from "@proviso/core";
import { ConfigError, type RuntimeConfig } from "@proviso/config";
import { createDb } from "@proviso/db";
import { parseArgs } from "node:util";
import { scriptConfig } from "./lib/runtime-config";

function fail(message: string): never {
  console.error(`partners: ${message}`);
  process.exit(2);
}

const USAGE = "usage: npm run partners -- client <partnerId> --redirect-uri <uri> [--redirect-uri <uri>…] [--client-id <id>]";
let parsed: ReturnType<typeof parse>;
const parse = () =>
  parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: { "redirect-uri": { type: "string", multiple: true }, "client-id": { type: "string" } },
  });
try {
  parsed = parse();
} catch (err) {
  fail(`${(err as Error).message}\n${USAGE}`);
}
const [command, partnerId] = parsed.positionals;
const redirectUris = parsed.values["redirect-uri"] ?? [];
if (command !== "client" || !partnerId || redirectUris.length === 0) fail(USAGE);
let cfg: RuntimeConfig;
try {
  cfg = scriptConfig();
} catch (err) {
  fail(err instanceof ConfigError ? err.message : String(err));
}
const handle = createDb(cfg.databaseUrl, { max: 1, applicationName: "proviso-partners" });
try {
  const client = await registerOAuthClient(handle.db, { partnerId, clientId: parsed.values["client-id"], redirectUris });
  console.log(`client_id      ${client.clientId}`);
  console.log(`client_secret  ${client.clientSecret}   (shown once: give it to ${partnerId} now)`);
  console.log(`redirect URIs  ${client.redirectUris.join(", ")}`);
  console.log(`authorize at   ${cfg.urls.web}/link/authorize   token at ${cfg.urls.web}/api/oauth/token   revoke at ${cfg.urls.web}/api/oauth/revoke`);
} catch (err) {
  fail((err as Error).message);
} finally {
  await handle.close();
}
