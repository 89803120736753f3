// `npm run test:e2e`: Playwright in Debian's Chromium against the whole product (fresh data dir).
import { spawnSync } from "node:child_process";
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
const r = spawnSync("npx", ["playwright", "test", ...process.argv.slice(2)], {
  cwd: path.join(root, "e2e"),
  stdio: "inherit",
  env: { ...process.env, CHROMIUM_PATH: chromium },
});
process.exit(r.status ?? 1);
