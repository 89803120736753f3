// `npm run test:e2e`: Playwright in Debian's Chromium against the whole product, on fresh data: a
// new data directory, and with DATABASE_URL a database of its own on that server
// (`<name>_e2e`, made anew each run; the one DATABASE_URL names is not touched).
import { spawnSync } from "node:child_process";
import pg from "pg";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureChromium } from "./lib/chromium";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

let chromium: string;
try {
  chromium = ensureChromium();
} catch (err) {
  console.error(`e2e: ${(err as Error).message}`);
  process.exit(1);
}
fs.rmSync(path.join(root, ".data/e2e"), { recursive: true, force: true });

/** A fresh database beside the one DATABASE_URL names, for this run alone. */
async function freshDatabase(url: string): Promise<string> {
  const target = new URL(url);
  const name = `${target.pathname.slice(1) || "postgres"}_e2e`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  target.pathname = `/${name}`;
  return target.toString();
}

const env: NodeJS.ProcessEnv = { ...process.env, CHROMIUM_PATH: chromium };
if (process.env.DATABASE_URL) env.DATABASE_URL = await freshDatabase(process.env.DATABASE_URL);
const r = spawnSync("npx", ["playwright", "test", ...process.argv.slice(2)], { cwd: path.join(root, "e2e"), stdio: "inherit", env });
process.exit(r.status ?? 1);
