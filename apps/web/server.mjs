// Serves the production build. Started by the launcher (scripts/start.ts) with WEB_PORT set; exits
// when the launcher goes away (its IPC channel closes), so Ctrl-C never leaves it behind.
import next from "next";
import fs from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { clientAddressSetter } from "./client-address.mjs";

const dir = path.dirname(fileURLToPath(import.meta.url));
const port = Number(process.env.WEB_PORT ?? 3000);

if (!fs.existsSync(path.join(dir, ".next", "BUILD_ID"))) {
  console.error("the web app is not built: run `npm run build` first (`npm start` does this for you)");
  process.exit(2);
}

const app = next({ dev: false, dir, hostname: "localhost", port });
const handle = app.getRequestHandler();
await app.prepare();
const setClientAddress = clientAddressSetter(process.env.TRUSTED_PROXIES);
const server = createServer((req, res) => {
  setClientAddress(req);
  return handle(req, res);
});
// Keep idle connections longer than clients do (Node's 5 s is shorter than many clients' keep-alive,
// which then reuse a socket the server is just closing and read ECONNRESET; a CI run met one).
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.on("error", (err) => {
  console.error(`the web app could not listen on port ${port}: ${err.message}`);
  process.exit(2);
});
server.listen(port, "localhost", () => console.log(`web listening on http://localhost:${port}`));

const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.on("disconnect", stop);
