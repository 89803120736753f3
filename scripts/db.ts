// `npm run db:migrate` and `npm run db:seed -- [--homes N]`. Uses DATABASE_URL when set; otherwise
// the embedded database: the running one (`npm start`) if it answers, else it opens it here.
import { ConfigError, loadRuntimeConfig, redactUrl } from "@proviso/config";
import { createDb, migrate, waitForDatabase } from "@proviso/db";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "@proviso/embedded";
import { seed } from "@proviso/seed";
import path from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function fail(message: string): never {
  console.error(`db: ${message}`);
  process.exit(2);
}

const [command, ...rest] = process.argv.slice(2);
if (command !== "migrate" && command !== "seed") fail("usage: tsx scripts/db.ts migrate | seed [--homes N]");
let homes = 50;
try {
  const { values } = parseArgs({ args: rest, options: { homes: { type: "string" } } });
  if (values.homes !== undefined) {
    homes = Number(values.homes.replace(/[_,]/g, ""));
    if (!Number.isInteger(homes) || homes < 1 || homes > 10_000_000) fail("--homes must be a whole number from 1 to 10,000,000");
  }
} catch (err) {
  fail((err as Error).message);
}

let cfg;
try {
  cfg = loadRuntimeConfig(process.env);
} catch (err) {
  fail(err instanceof ConfigError ? err.message : String(err));
}

let embedded: EmbeddedPostgres | null = null;
let url = cfg.databaseUrl;
if (cfg.embeddedDatabase) {
  const running = await waitForDatabase(url, 1_500).then(
    () => true,
    () => false,
  );
  if (!running) {
    embedded = await startEmbeddedPostgres({
      dataDir: path.join(path.resolve(root, cfg.PROVISO_DATA_DIR), "pglite"),
      port: 0,
    }).catch((err: Error) => fail(err.message));
    url = embedded.url;
  }
}
console.log(`db: ${embedded ? "embedded database (opened here)" : redactUrl(url)}`);

const handle = createDb(url, { max: 2, applicationName: "proviso-db-cli" });
try {
  await migrate(handle.db);
  console.log("db: migrations applied");
  if (command === "seed") {
    const started = Date.now();
    const result = await seed(handle.db, { homes, onProgress: progressBar(started) });
    const secs = (Date.now() - started) / 1000;
    console.log(
      result.skipped
        ? `db: already seeded with ${result.homes.toLocaleString()} homes; nothing to do`
        : `db: seeded ${result.homes.toLocaleString()} homes, ${result.devices.toLocaleString()} devices in ${secs.toFixed(1)} s`,
    );
  }
} catch (err) {
  console.error(`db: ${(err as Error).message.split("\n")[0]}`);
  process.exitCode = 1;
} finally {
  await handle.close();
  await embedded?.stop();
}

function progressBar(started: number) {
  let lastStep = -1;
  return (done: number, total: number) => {
    const width = 30;
    const filled = Math.round((done / total) * width);
    const rate = done / Math.max(0.001, (Date.now() - started) / 1000);
    const line = `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done.toLocaleString()}/${total.toLocaleString()} homes (${Math.round(rate).toLocaleString()}/s)`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}${done === total ? "\n" : ""}`);
    else {
      // Not a terminal (CI, a log file): one line per 5 %.
      const step = Math.floor((done / total) * 20);
      if (step !== lastStep) process.stderr.write(`${line}\n`);
      lastStep = step;
    }
  };
}
