import { loadRuntimeConfig } from "@proviso/config";
import { createPublicKey } from "node:crypto";
import fs from "node:fs";
import { createMessageChecker } from "@proviso/partners";
import { createSandbox, loadOrCreateTsa, Recorder, SANDBOX_SMARTTHINGS_CLIENT } from "@proviso/sandbox";

// The sandbox plays partners for development and tests: it answers as Alexa, Google and
// SmartThings would, so it must never stand where real partners are expected.
if (process.env.NODE_ENV === "production") {
  console.error("the partner sandbox does not run with NODE_ENV=production: it plays partners for development and tests only");
  process.exit(2);
}
const apiToken = process.env.SANDBOX_TOKEN;
if (!apiToken) {
  console.error("SANDBOX_TOKEN is not set: the sandbox's own API (/__sandbox/*) needs a token (npm start generates one)");
  process.exit(2);
}
const env = loadRuntimeConfig(process.env);
// Each platform's OAuth client with Proviso's account linking (npm start registers them): with
// them, the sandbox plays each platform's app linking a home (/app/<partner>/link).
let clients: Record<string, { clientId: string; clientSecret: string }> = {};
try {
  clients = JSON.parse(process.env.SANDBOX_OAUTH_CLIENTS || "{}");
} catch {
  console.error("SANDBOX_OAUTH_CLIENTS is not JSON: account linking is off in the sandbox");
}
// Each webhook partner's signing secrets (npm start hands it those in force): its receivers verify
// with them; `POST /__sandbox/webhook/secrets` gives one a new secret after a rotation.
let webhookSecrets: Record<string, string[]> = {};
try {
  webhookSecrets = JSON.parse(process.env.SANDBOX_WEBHOOK_SECRETS || "{}");
} catch {
  console.error("SANDBOX_WEBHOOK_SECRETS is not JSON: webhook receivers hold no secret and refuse every message");
}
let checker: ReturnType<typeof createMessageChecker> | null = null;
try {
  checker = createMessageChecker();
} catch (err) {
  console.error(`schema checks are off: ${(err as Error).message}`);
}
// Google's token endpoint checks the worker's service-account assertions with the account's public
// key (from the key file the worker uses), and Home Graph then takes only tokens it issued.
let googleServiceAccount: { clientEmail: string; publicKey: string } | undefined;
if (process.env.GOOGLE_SERVICE_ACCOUNT_FILE) {
  const key = JSON.parse(fs.readFileSync(process.env.GOOGLE_SERVICE_ACCOUNT_FILE, "utf8")) as { client_email: string; private_key: string };
  googleServiceAccount = { clientEmail: key.client_email, publicKey: createPublicKey(key.private_key).export({ type: "spki", format: "pem" }).toString() };
}
// A Time-Stamp Authority (RFC 3161) for the audit checkpoints, its key and certificate kept in
// SANDBOX_TSA_DIR (npm start: the data directory; the worker trusts the certificate there).
const tsa = process.env.SANDBOX_TSA_DIR ? await loadOrCreateTsa(process.env.SANDBOX_TSA_DIR) : undefined;
// Like Home Graph, it asks the worker for SYNC after a requestSync; like a webhook receiver, it
// checks signatures with the partner's secrets.
const { server } = createSandbox(new Recorder(), checker, {
  googleFulfillmentUrl: `${env.urls.worker}/v1/partners/google/fulfillment`,
  alexaDirectivesUrl: `${env.urls.worker}/v1/partners/alexa/directives`,
  googleServiceAccount,
  linking: { authorizeUrl: `${env.urls.web}/link/authorize`, tokenUrl: `${env.urls.web}/api/oauth/token`, clients },
  // Like SmartThings, it sends the connector its interactions (installing, state refresh), as the
  // client the connector is registered as.
  smartthingsConnectorUrl: `${env.urls.worker}/v1/partners/smartthings`,
  smartthingsClient: {
    clientId: process.env.SMARTTHINGS_CLIENT_ID || SANDBOX_SMARTTHINGS_CLIENT.clientId,
    clientSecret: process.env.SMARTTHINGS_CLIENT_SECRET || SANDBOX_SMARTTHINGS_CLIENT.clientSecret,
  },
  webhookSecrets,
  tsa,
  apiToken,
});
server.on("error", (err) => {
  console.error(`the partner sandbox could not listen on port ${env.SANDBOX_PORT}: ${err.message}`);
  process.exit(2);
});
server.listen(env.SANDBOX_PORT, "127.0.0.1", () => console.log(`partner sandbox listening on http://localhost:${env.SANDBOX_PORT} (/__sandbox/messages)`));
const stop = () => server.close(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
process.on("disconnect", stop);
