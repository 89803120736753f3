// The worker's HTTP port: POST /v1/state-reports (batches), /healthz, /metrics.
import type { DbHandle } from "@proviso/db";
import { answerAlexaDirective, answerGoogleIntent, PartnerRequestError, type IngestBuffer, type TokenService, type World } from "@proviso/pipeline";
import http from "node:http";
import type { Metrics } from "./metrics";

const MAX_BODY = 2_000_000;
const MAX_REPORTS = 1_000;

export function createWorkerHttp(deps: {
  db: DbHandle;
  mqttConnected: () => boolean;
  metrics: Metrics;
  ingest: IngestBuffer;
  world: () => World;
  tokens: TokenService | null;
}) {
  return http.createServer(async (req, res) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = { "content-type": "application/json" }) => {
      res.writeHead(status, headers);
      res.end(typeof body === "string" ? body : JSON.stringify(body));
    };
    try {
      if (req.method === "GET" && req.url === "/healthz") {
        const database = await deps.db.pool.query("select 1").then(() => true, () => false);
        const mqtt = deps.mqttConnected();
        return send(database && mqtt ? 200 : 503, { ok: database && mqtt, database, mqtt });
      }
      if (req.method === "GET" && req.url === "/metrics") {
        return send(200, await deps.metrics.registry.metrics(), { "content-type": deps.metrics.registry.contentType });
      }
      if (req.method === "POST" && req.url === "/v1/state-reports") {
        const raw = await readBody(req);
        if (raw === null) return send(413, { error: `body over ${MAX_BODY} bytes` });
        let body: unknown;
        try {
          body = JSON.parse(raw);
        } catch {
          return send(400, { error: "body is not JSON" });
        }
        const reports = Array.isArray(body) ? body : (body as { reports?: unknown })?.reports;
        if (!Array.isArray(reports)) return send(400, { error: "expected a JSON array of reports, or { reports: [...] }" });
        if (reports.length > MAX_REPORTS) return send(413, { error: `at most ${MAX_REPORTS} reports per request` });
        // Answered only once every report is committed (accepted, or quarantined with its reason).
        const items = await Promise.all(reports.map((r) => deps.ingest.submit(JSON.stringify(r), "http")));
        const results = items.map((item, index) =>
          item.rejection
            ? { index, status: "rejected", code: item.rejection.code, reason: item.rejection.reason }
            : { index, status: "accepted" },
        );
        return send(200, { accepted: results.filter((r) => r.status === "accepted").length, rejected: results.filter((r) => r.status === "rejected").length, results });
      }
      // Partners asking: answered with only what on-request terms and consent allow.
      if (req.method === "POST" && (req.url === "/v1/partners/alexa/directives" || req.url === "/v1/partners/google/fulfillment")) {
        const raw = await readBody(req);
        let body: unknown;
        try {
          body = JSON.parse(raw ?? "");
        } catch {
          return send(400, { error: "body is not JSON" });
        }
        try {
          if (req.url.includes("alexa")) return send(200, await answerAlexaDirective(deps.db.db, deps.world(), body, Date.now(), deps.tokens));
          const token = req.headers.authorization?.replace(/^Bearer /, "");
          return send(200, await answerGoogleIntent(deps.db.db, deps.world(), token, body));
        } catch (err) {
          if (err instanceof PartnerRequestError) return send(err.status, { error: err.type, message: err.message });
          throw err;
        }
      }
      return send(404, { error: "not found" });
    } catch (err) {
      return send(500, { error: (err as Error).message });
    }
  });
}

function readBody(req: http.IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        resolve(null);
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
