// How the command-line scripts reach the database: DATABASE_URL when set; otherwise the embedded
// database — the running one (`npm start`) if it answers, else opened here (never both: PGlite
// must not be opened by two processes, and the embedded server's pid lock enforces that).
import { ConfigError, redactUrl, type RuntimeConfig } from "@proviso/config";
import { createDb, waitForDatabase, type DbHandle } from "@proviso/db";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "@proviso/embedded";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { scriptConfig } from "./runtime-config";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export function failWith(prefix: string) {
  return (message: string): never => {
    console.error(`${prefix}: ${message}`);
    process.exit(2);
  };
}

export async function openDatabase(prefix: string): Promise<{ cfg: RuntimeConfig; handle: DbHandle; close(): Promise<void> }> {
  const fail = failWith(prefix);
  let cfg: RuntimeConfig;
  try {
    cfg = scriptConfig();
  } catch (err) {
    fail(err instanceof ConfigError ? err.message : String(err));
  }
  let embedded: EmbeddedPostgres | null = null;
  let url = cfg!.databaseUrl;
  if (cfg!.embeddedDatabase) {
    const running = await waitForDatabase(url, 1_500).then(
      () => true,
      () => false,
    );
    if (!running) {
      embedded = await startEmbeddedPostgres({
        dataDir: path.join(path.resolve(root, cfg!.PROVISO_DATA_DIR), "pglite"),
        port: 0,
      }).catch((err: Error) => fail(err.message));
      url = embedded.url;
    }
  }
  // On stderr: what a script prints on stdout stays its own (JSON lines, say).
  console.error(`${prefix}: ${embedded ? "embedded database (opened here)" : redactUrl(url)}`);
  // One connection on the embedded server (it breaks under concurrent queries from several).
  const handle = createDb(url, { max: cfg!.embeddedDatabase ? 1 : 2, applicationName: `proviso-${prefix}-cli` });
  return {
    cfg: cfg!,
    handle,
    async close() {
      await handle.close();
      await embedded?.stop();
    },
  };
}
