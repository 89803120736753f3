import { spawnSync } from "node:child_process";
import fs from "node:fs";

const INSTALL = "sudo apt-get update && sudo apt-get install -y chromium";

/**
 * The Chromium the end-to-end tests drive (CHROMIUM_PATH, else Debian's /usr/bin/chromium).
 * Where it is missing it installs Debian's package when it can (root with apt-get); otherwise it
 * stops with the exact command to run. Playwright's own browser download is never used.
 */
export function ensureChromium(): string {
  const wanted = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
  if (fs.existsSync(wanted)) return wanted;
  if (process.env.CHROMIUM_PATH) {
    throw new Error(`CHROMIUM_PATH points at ${wanted}, which does not exist`);
  }
  const canInstall = process.getuid?.() === 0 && spawnSync("which", ["apt-get"]).status === 0;
  if (!canInstall) throw new Error(`Chromium is missing. Install it with: ${INSTALL}   (or set CHROMIUM_PATH)`);
  console.log("[test] Chromium is missing: installing Debian's chromium package…");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [
    ["update", "-qq"],
    ["install", "-y", "-qq", "chromium"],
  ]) {
    const r = spawnSync("apt-get", args, { stdio: "inherit", env });
    if (r.status !== 0) throw new Error(`installing Chromium failed. Install it with: ${INSTALL}`);
  }
  if (!fs.existsSync(wanted)) throw new Error(`Chromium installed but not at ${wanted}; set CHROMIUM_PATH`);
  return wanted;
}
