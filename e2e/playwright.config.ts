import { defineConfig } from "@playwright/test";

// The whole product, started the way `npm start` starts it, on its own ports and data directory.
export const E2E_PORTS = { WEB_PORT: 3100, WORKER_PORT: 3101, SANDBOX_PORT: 3102, PGLITE_PORT: 5443, MQTT_PORT: 1893 };
const baseURL = `http://localhost:${E2E_PORTS.WEB_PORT}`;

export default defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 2,
  retries: 0,
  // `npm test` names the file per pass (real servers, embedded defaults) and adds them up.
  reporter: [["list"], ["json", { outputFile: process.env.E2E_RESULTS_FILE || "../.data/test-results/e2e.json" }]],
  use: {
    // localhost, not 127.0.0.1: Auth.js builds its URLs (and CSRF checks) from it.
    baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
  webServer: {
    command: "node --import tsx ../scripts/start.ts",
    url: `${baseURL}/sign-in`,
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 30_000 },
    env: {
      ...Object.fromEntries(Object.entries(E2E_PORTS).map(([k, v]) => [k, String(v)])),
      PROVISO_DATA_DIR: ".data/e2e",
      SIMULATOR_HEARTBEAT_SECONDS: "5",
      SIMULATOR_RATE: "1",
      // No simulated outages: a demo device the tests watch must not turn unreachable under them.
      SIMULATOR_OUTAGES_PER_DAY: "0",
      // A silent device is unreachable after 15 s, not 2 minutes (the simulator's heartbeat every 5 s keeps its fleet reachable).
      DEVICE_UNREACHABLE_SECONDS: "15",
    },
  },
});
