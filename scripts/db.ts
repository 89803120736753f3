// `npm run db:migrate`, `npm run db:seed -- [--homes N]` and
// `npm run db:history -- [--decisions N] [--days D]` (recorded history for reports and replays). Uses DATABASE_URL when set; otherwise
// the embedded database: the running one (`npm start`) if it answers, else it opens it here.
import { migrate } from "@proviso/db";
import { generateHistory } from "@proviso/worker";
import { seed } from "@proviso/seed";
import { parseArgs } from "node:util";
import { failWith, openDatabase } from "./lib/open-database";

const fail: (message: string) => never = failWith("db");

const [command, ...rest] = process.argv.slice(2);
if (command !== "migrate" && command !== "seed" && command !== "history") {
  fail("usage: tsx scripts/db.ts migrate | seed [--homes N] | history [--decisions N] [--days D]");
}
let homes = 50;
let decisions = 100_000;
let days = 365;
const whole = (v: string, name: string, max: number) => {
  const n = Number(v.replace(/[_,]/g, ""));
  if (!Number.isInteger(n) || n < 1 || n > max) fail(`--${name} must be a whole number from 1 to ${max.toLocaleString("en")}`);
  return n;
};
try {
  const { values } = parseArgs({ args: rest, options: { homes: { type: "string" }, decisions: { type: "string" }, days: { type: "string" } } });
  if (values.homes !== undefined) homes = whole(values.homes, "homes", 10_000_000);
  if (values.decisions !== undefined) decisions = whole(values.decisions, "decisions", 1_000_000_000);
  if (values.days !== undefined) days = whole(values.days, "days", 3_650);
} catch (err) {
  fail((err as Error).message);
}

const db = await openDatabase("db");
const handle = db.handle;
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
  if (command === "history") {
    const started = Date.now();
    const r = await generateHistory(handle.db, { decisions, days, onProgress: progressBar(started, "decisions") });
    const secs = (Date.now() - started) / 1000;
    console.log(
      `db: recorded ${r.stateEvents.toLocaleString()} state changes and ${r.decisions.toLocaleString()} decisions over ${days} days in ${secs.toFixed(1)} s (${Math.round(r.decisions / secs).toLocaleString()} decisions/s)`,
    );
  }
} catch (err) {
  console.error(`db: ${(err as Error).message.split("\n")[0]}`);
  process.exitCode = 1;
} finally {
  await db.close();
}

function progressBar(started: number, unit = "homes") {
  let lastStep = -1;
  return (done: number, total: number) => {
    const width = 30;
    const filled = Math.min(width, Math.round((done / total) * width));
    const rate = done / Math.max(0.001, (Date.now() - started) / 1000);
    const line = `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done.toLocaleString()}/${total.toLocaleString()} ${unit} (${Math.round(rate).toLocaleString()}/s)`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}${done === total ? "\n" : ""}`);
    else {
      // Not a terminal (CI, a log file): one line per 5 %.
      const step = Math.floor((done / total) * 20);
      if (step !== lastStep) process.stderr.write(`${line}\n`);
      lastStep = step;
    }
  };
}
