// `npm start`: the whole product on embedded defaults (or on DATABASE_URL / MQTT_URL when set).
// Starts the database, applies migrations, seeds the demo once, starts the broker, worker, partner
// sandbox, web app and device simulator, prints where everything is, and stops it all on Ctrl-C.
import { ConfigError, loadRuntimeConfig, redactUrl, WORKER_NODE_FLAGS } from "@proviso/config";
import { createDb, migrate, waitForDatabase } from "@proviso/db";
import { DEMO_LOGINS, DEMO_PASSWORD, seed } from "@proviso/seed";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { installDemoConnectors, linkDemoAccounts, registerSandboxClients, sandboxWebhookSecrets } from "./lib/demo-platforms";
import { ensureFleetCredentials, provisionBroker } from "./lib/fleet-credentials";
import { assertPortFree } from "./lib/ports";
import { startChild, waitForHttp, type Child } from "./lib/processes";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const children: Child[] = [];
let shuttingDown = false;
/** Until everything is up, start-up code handles a child's failure itself (with its own message). */
let started = false;

function fail(message: string): never {
  console.error(`proviso: ${message}`);
  process.exit(2);
}

type Config = ReturnType<typeof loadRuntimeConfig>;
type Spawn = (name: string, file: string, env?: NodeJS.ProcessEnv, flags?: readonly string[]) => Child;

async function main() {
  let cfg: Config;
  try {
    cfg = loadRuntimeConfig(process.env);
  } catch (err) {
    fail(err instanceof ConfigError ? err.message : String(err));
  }
  const dataDir = path.resolve(root, cfg.PROVISO_DATA_DIR);
  fs.mkdirSync(dataDir, { recursive: true });
  // The embedded database asks every connection for a password, generated once into the data directory.
  if (cfg.embeddedDatabase && !cfg.PGLITE_PASSWORD) {
    process.env.PGLITE_PASSWORD = loadOrCreateSecret(path.join(dataDir, "pglite-password"));
    cfg = loadRuntimeConfig(process.env);
  }
  await checkReady(cfg);
  const childEnv = childEnvironment(cfg, dataDir);
  const tsNode: Spawn = (name, file, env = childEnv, flags = []) =>
    spawnTracked(name, process.execPath, [...flags, "--import", "tsx", path.join(root, file)], { env, cwd: root });

  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));
  await prepareDatabase(cfg, dataDir, childEnv, tsNode);
  // 3. The broker, and on it the worker's client and the fleet's credentials.
  if (cfg.embeddedBroker) {
    const broker = tsNode("mqtt", "packages/embedded/src/bin/mqtt-broker.ts", {
      ...childEnv,
      MQTT_PORT: String(cfg.MQTT_PORT),
      MQTT_ACCESS_FILE: path.join(dataDir, "mqtt-access.json"),
    });
    await broker.ready.catch(() => shutdown(2));
  }
  try {
    const admin = { username: childEnv.MQTT_ADMIN_USERNAME!, password: childEnv.MQTT_ADMIN_PASSWORD! };
    const worker = { username: childEnv.MQTT_USERNAME!, password: childEnv.MQTT_PASSWORD! };
    const granted = await provisionBroker(cfg.mqttUrl, admin, worker, path.join(dataDir, "device-credentials.json"));
    if (granted) console.log(`[setup] the broker holds ${granted} more device credential(s)`);
  } catch (err) {
    await shutdown(2, `the broker's access control could not be set up: ${(err as Error).message}`);
  }
  await startServices(cfg, childEnv, tsNode);
  started = true;
  printBanner(cfg, dataDir);
}

/** The web app is built and every port is free, or one line says what to do. */
async function checkReady(cfg: Config) {
  if (!fs.existsSync(path.join(root, "apps/web/.next/BUILD_ID"))) {
    fail("the web app is not built: run `npm run build` (or use `npm start`, which builds first)");
  }
  const ports: [number, string, string, string?][] = [
    [cfg.WEB_PORT, "web", "WEB_PORT", "localhost"],
    [cfg.WORKER_PORT, "worker", "WORKER_PORT"],
    [cfg.SANDBOX_PORT, "partner sandbox", "SANDBOX_PORT"],
  ];
  if (cfg.embeddedDatabase) ports.push([cfg.PGLITE_PORT, "embedded database", "PGLITE_PORT"]);
  if (cfg.embeddedBroker) ports.push([cfg.MQTT_PORT, "embedded MQTT broker", "MQTT_PORT"]);
  for (const [port, what, envVar, host] of ports) {
    await assertPortFree(port, what, envVar, host).catch((err: Error) => fail(err.message));
  }
}

/** What every child process runs with: the servers, the generated secrets, the ports. */
function childEnvironment(cfg: Config, dataDir: string): NodeJS.ProcessEnv {
  const authSecret = process.env.AUTH_SECRET || loadOrCreateSecret(path.join(dataDir, "auth-secret"));
  const tokenKey = process.env.TOKEN_ENCRYPTION_KEY || loadOrCreateSecret(path.join(dataDir, "token-key"), () => randomBytes(32).toString("base64"));
  const auditKey = process.env.AUDIT_SIGNING_KEY || loadOrCreateSecret(path.join(dataDir, "audit-key"), () => randomBytes(32).toString("base64"));
  // Keys retired by `npm run audit:rotate-key`, still trusted for the checkpoints they signed.
  const retiredKeys = fs.existsSync(path.join(dataDir, "audit-trusted-keys"))
    ? fs.readFileSync(path.join(dataDir, "audit-trusted-keys"), "utf8").trim().split("\n").join(",")
    : "";
  // The broker's admin and the worker's client: generated for the embedded broker; a real one's admin is given.
  if (!cfg.embeddedBroker && !cfg.MQTT_ADMIN_PASSWORD) {
    fail("MQTT_URL is set but MQTT_ADMIN_PASSWORD is not: Proviso creates device clients through the broker's dynamic-security API as its admin");
  }
  // The partner sandbox's own API (what partners received, faults) answers only with this token.
  const sandboxToken = process.env.SANDBOX_TOKEN || loadOrCreateSecret(path.join(dataDir, "sandbox-token"));
  const mqttAdmin = cfg.MQTT_ADMIN_PASSWORD || loadOrCreateSecret(path.join(dataDir, "mqtt-admin-password"));
  // Proviso calls Home Graph as a service account; for the sandbox, one of its own (a fresh RSA key,
  // its token endpoint the sandbox's), unless a real key file is given.
  const googleAccount = process.env.GOOGLE_SERVICE_ACCOUNT_FILE || sandboxServiceAccount(path.join(dataDir, "google-service-account.json"), cfg.urls.sandbox);
  const mqttWorker = cfg.MQTT_PASSWORD || loadOrCreateSecret(path.join(dataDir, "mqtt-worker-password"));
  return {
    ...process.env,
    // Embedded parts by their port, not their URL: a process given a URL takes the server for a
    // real one (the worker would not vacuum the embedded database, which runs no autovacuum).
    ...(cfg.embeddedDatabase
      ? { DATABASE_URL: "", PGLITE_PORT: String(cfg.PGLITE_PORT), PGLITE_PASSWORD: cfg.PGLITE_PASSWORD }
      : { DATABASE_URL: cfg.databaseUrl }),
    ...(cfg.embeddedBroker ? { MQTT_URL: "", MQTT_PORT: String(cfg.MQTT_PORT) } : { MQTT_URL: cfg.mqttUrl }),
    AUTH_SECRET: authSecret,
    TOKEN_ENCRYPTION_KEY: tokenKey,
    AUDIT_SIGNING_KEY: auditKey,
    AUDIT_TRUSTED_KEYS: process.env.AUDIT_TRUSTED_KEYS || retiredKeys,
    // Every checkpoint is also handed to a witness directory (in production: storage the database's operator cannot rewrite).
    AUDIT_WITNESS_DIRS: process.env.AUDIT_WITNESS_DIRS || (process.env.AUDIT_WITNESS_URLS ? "" : path.join(dataDir, "witness")),
    // Checkpoints are time-stamped by the sandbox's TSA (its certificate kept in the data directory) unless real ones are named.
    ...(process.env.AUDIT_TSA_URLS
      ? {}
      : { AUDIT_TSA_URLS: `${cfg.urls.sandbox}/tsa`, AUDIT_TSA_CERTS: path.join(dataDir, "tsa-cert.pem"), SANDBOX_TSA_DIR: dataDir }),
    MQTT_ADMIN_USERNAME: cfg.MQTT_ADMIN_USERNAME,
    MQTT_ADMIN_PASSWORD: mqttAdmin,
    MQTT_USERNAME: cfg.MQTT_USERNAME,
    MQTT_PASSWORD: mqttWorker,
    SANDBOX_TOKEN: sandboxToken,
    GOOGLE_SERVICE_ACCOUNT_FILE: googleAccount,
    PROVISO_DATA_DIR: dataDir,
    WEB_PORT: String(cfg.WEB_PORT),
    WORKER_PORT: String(cfg.WORKER_PORT),
    SANDBOX_PORT: String(cfg.SANDBOX_PORT),
    NEXT_TELEMETRY_DISABLED: "1",
    ...(cfg.embeddedDatabase && !process.env.DATABASE_POOL_MAX ? { DATABASE_POOL_MAX: "1" } : {}),
  };
}

/** 1. The database (the embedded server, or a real one reachable); 2. migrations and the demo data (once). */
async function prepareDatabase(cfg: Config, dataDir: string, childEnv: NodeJS.ProcessEnv, tsNode: Spawn) {
  if (cfg.embeddedDatabase) {
    const db = tsNode("db", "packages/embedded/src/bin/pglite-server.ts", {
      ...childEnv,
      PGLITE_DATA_DIR: path.join(dataDir, "pglite"),
      PGLITE_PORT: String(cfg.PGLITE_PORT),
    });
    await db.ready.catch(() => shutdown(2));
  } else {
    await waitForDatabase(cfg.databaseUrl).catch((err: Error) => fail(err.message));
  }
  const handle = createDb(cfg.databaseUrl, { max: 1, applicationName: "proviso-launcher" });
  try {
    await migrate(handle.db);
    const result = await seed(handle.db);
    console.log(
      result.skipped
        ? `[setup] demo data already present (${result.homes} homes, ${result.devices} devices)`
        : `[setup] seeded demo data: ${result.homes} homes, ${result.devices} devices`,
    );
    const issued = await ensureFleetCredentials(cfg.databaseUrl, path.join(dataDir, "device-credentials.json"));
    if (issued) console.log(`[setup] issued credentials for ${issued} device(s) (kept for the simulator in device-credentials.json)`);
  } catch (err) {
    await handle.close();
    await shutdown(2, `database setup failed: ${(err as Error).message.split("\n")[0]}`);
  }
  await handle.close();
}

/**
 * 4. The services. The partner sandbox first: the worker delivers as soon as it starts (it tells
 * every linked partner what it may know of a home's devices), and a partner not yet listening
 * would only cost retries. Then the demo platforms do what their users would, and the simulator starts.
 */
async function startServices(cfg: Config, childEnv: NodeJS.ProcessEnv, tsNode: Spawn) {
  const clients = await registerSandboxClients(cfg.databaseUrl, cfg.urls.sandbox).catch((err: Error) => shutdown(2, `account linking: ${err.message}`));
  const hooks = await sandboxWebhookSecrets(cfg.databaseUrl, childEnv.TOKEN_ENCRYPTION_KEY!).catch((err: Error) =>
    shutdown(2, `webhook signing secrets: ${err.message}`),
  );
  const sandbox = tsNode("sandbox", "apps/partner-sandbox/src/main.ts", {
    ...childEnv,
    SANDBOX_OAUTH_CLIENTS: JSON.stringify(clients),
    SANDBOX_WEBHOOK_SECRETS: JSON.stringify(hooks),
  });
  try {
    await waitForHttp(`${cfg.urls.sandbox}/healthz`, sandbox);
  } catch (err) {
    await shutdown(1, (err as Error).message);
  }
  const accounts = await linkDemoAccounts(cfg.databaseUrl, cfg.urls.sandbox, childEnv.SANDBOX_TOKEN!, clients).catch((err: Error) =>
    shutdown(2, `account linking: ${err.message}`),
  );
  console.log(`[proviso] the sandbox's platforms hold tokens for ${accounts.length} linked home(s)`);
  const worker = tsNode("worker", "apps/worker/src/main.ts", childEnv, WORKER_NODE_FLAGS);
  const web = spawnTracked("web", process.execPath, [path.join(root, "apps/web/server.mjs")], {
    env: { ...childEnv, NODE_ENV: "production" },
    cwd: path.join(root, "apps/web"),
  });
  try {
    await Promise.all([waitForHttp(`${cfg.urls.worker}/healthz`, worker), waitForHttp(`${cfg.urls.web}/sign-in`, web)]);
  } catch (err) {
    await shutdown(1, (err as Error).message);
  }
  try {
    const installed = await installDemoConnectors(cfg.urls.sandbox, childEnv.SANDBOX_TOKEN!, accounts);
    if (installed) console.log(`[proviso] SmartThings installed its connector for ${installed} linked home(s) (the sandbox plays it)`);
  } catch (err) {
    console.error(`[proviso] ${(err as Error).message}`);
  }
  tsNode("simulator", "apps/simulator/src/main.ts");
}

function printBanner(cfg: Config, dataDir: string) {
  const line = "─".repeat(64);
  console.log(
    [
      "",
      line,
      ` Proviso is running`,
      `   web              ${cfg.urls.web}`,
      `   worker           ${cfg.urls.worker}/healthz  ·  /metrics`,
      `   partner sandbox  ${cfg.urls.sandbox}/__sandbox/messages  (Authorization: Bearer <${path.join(dataDir, "sandbox-token")}>)`,
      `   database         ${cfg.embeddedDatabase ? `embedded PGlite (${path.join(dataDir, "pglite")})` : redactUrl(cfg.databaseUrl)}`,
      `   MQTT             ${cfg.embeddedBroker ? `embedded broker (${cfg.mqttUrl})` : redactUrl(cfg.mqttUrl)}`,
      "",
      ` Demo logins (password: ${DEMO_PASSWORD})`,
      `   homeowner        ${DEMO_LOGINS.homeowner}`,
      `   partner manager  ${DEMO_LOGINS.partner_manager}`,
      `   legal            ${DEMO_LOGINS.legal}`,
      `   partner (Alexa)  ${DEMO_LOGINS.partner}`,
      "",
      " Ctrl-C stops everything.",
      line,
      "",
    ].join("\n"),
  );
}

function spawnTracked(name: string, cmd: string, args: string[], opts: { env: NodeJS.ProcessEnv; cwd: string }) {
  const child = startChild(name, cmd, args, {
    ...opts,
    onUnexpectedExit: (code) => {
      if (started) void shutdown(1, `${name} exited unexpectedly (code ${code})`);
    },
  });
  children.push(child);
  return child;
}

/** Stops the services first and the database last, so nothing writes to a closed database. */
async function shutdown(code: number, reason?: string): Promise<never> {
  if (!shuttingDown) {
    shuttingDown = true;
    if (reason) console.error(`proviso: ${reason}`);
    if (started) console.log("[proviso] stopping…");
    const order = ["simulator", "web", "worker", "sandbox", "mqtt", "db"];
    const byOrder = [...children].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
    const services = byOrder.filter((c) => c.name !== "db" && c.name !== "mqtt");
    await Promise.all(services.map((c) => c.stop()));
    for (const c of byOrder.filter((c) => c.name === "mqtt" || c.name === "db")) await c.stop();
    if (started) console.log("[proviso] stopped");
    process.exit(code);
  }
  return new Promise<never>(() => {});
}

function loadOrCreateSecret(file: string, make = () => randomBytes(48).toString("base64url")): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, "utf8").trim();
  const secret = make();
  fs.writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

main().catch((err: Error) => shutdown(1, err.message.split("\n")[0]));

/** The sandbox's Google service account: its key made once, the file written with today's token endpoint. */
function sandboxServiceAccount(file: string, sandboxUrl: string): string {
  const privateKey = loadOrCreateSecret(file.replace(/\.json$/, ".key.pem"), () =>
    generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  );
  const key = {
    type: "service_account",
    client_email: "proviso-homegraph@sandbox.iam.gserviceaccount.com",
    private_key: privateKey,
    token_uri: `${sandboxUrl}/google/oauth2/token`,
  };
  fs.writeFileSync(file, JSON.stringify(key, null, 2), { mode: 0o600 });
  return file;
}
