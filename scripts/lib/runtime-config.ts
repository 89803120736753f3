// The settings a command-line script runs with: the environment, and where it leaves them unset,
// the secrets `npm start` generated into the data directory (the embedded database's password, the
// broker admin's), so a script reaches the running product as its processes do.
import { loadRuntimeConfig, type RuntimeConfig } from "@proviso/config";
import fs from "node:fs";
import path from "node:path";

const GENERATED = { PGLITE_PASSWORD: "pglite-password", MQTT_ADMIN_PASSWORD: "mqtt-admin-password" } as const;

export function scriptConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const dataDir = path.resolve(env.PROVISO_DATA_DIR || ".data");
  const filled = { ...env };
  for (const [key, file] of Object.entries(GENERATED)) {
    const at = path.join(dataDir, file);
    if (!filled[key] && fs.existsSync(at)) filled[key] = fs.readFileSync(at, "utf8").trim();
  }
  return loadRuntimeConfig(filled);
}

/** A file in the data directory `npm start` keeps its generated keys and secrets in. */
export const dataPath = (name: string, env: NodeJS.ProcessEnv = process.env) => path.join(path.resolve(env.PROVISO_DATA_DIR || ".data"), name);

/** What `npm start` generated into the data directory under `name`, if it did. */
export function readDataFile(name: string): string | undefined {
  const at = dataPath(name);
  return fs.existsSync(at) ? fs.readFileSync(at, "utf8").trim() : undefined;
}
