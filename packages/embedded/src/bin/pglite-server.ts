// Child process started by the launcher: serves the embedded database until told to stop.
// Reports `{ type: "ready", url }` over IPC, or prints one line and exits 2.
import { startEmbeddedPostgres } from "../pglite-server";

const dataDir = process.env.PGLITE_DATA_DIR;
const port = Number(process.env.PGLITE_PORT ?? 5433);
if (!dataDir) {
  console.error("PGLITE_DATA_DIR is not set");
  process.exit(2);
}

// A password whenever the launcher gives one (it generates it into the data directory).
const pg = await startEmbeddedPostgres({ dataDir, port, maxConnections: 32, password: process.env.PGLITE_PASSWORD || null }).catch((err: Error) => {
  console.error(err.message);
  process.exit(2);
});
console.log(`embedded PostgreSQL (PGlite) serving ${dataDir} on 127.0.0.1:${pg.port}`);
process.send?.({ type: "ready", url: pg.url });

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await pg.stop();
  console.log("database closed cleanly");
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
process.on("disconnect", stop);
