// The worker's HTTP port: POST /v1/state-reports (batches), POST /v1/heartbeats, the partners'
// requests, GET /v1/schemas/state-report.json, /healthz, /metrics.
import { isDeviceId } from "@proviso/core";
import type { DbHandle } from "@proviso/db";
import { MAX_HEARTBEATS_PER_REQUEST, MAX_REPORT_BYTES, MAX_REPORTS_PER_REQUEST, stateReportJsonSchema } from "@proviso/domain";
import { answerAlexaDirective, answerGoogleIntent, PartnerRequestError, type IngestBuffer, type TokenService } from "@proviso/pipeline";
import type { World } from "@proviso/snapshot";
import http from "node:http";
import { writeHeartbeats } from "./heartbeats";
import type { Metrics } from "./metrics";

/** Room for a full batch of reports at the largest size each may have, and the array around them. */
export const MAX_BODY = MAX_REPORTS_PER_REQUEST * (MAX_REPORT_BYTES + 8) + 1_024;

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
      // The device payload, published: what a device maker validates against before sending.
      if (req.method === "GET" && req.url === "/v1/schemas/state-report.json") {
        return send(200, JSON.stringify(stateReportJsonSchema(), null, 2), { "content-type": "application/schema+json" });
      }
      if (req.method === "GET" && req.url === "/metrics") {
        return send(200, await deps.metrics.registry.metrics(), { "content-type": deps.metrics.registry.contentType });
      }
      if (req.method === "POST" && req.url === "/v1/state-reports") {
        const reports = await readJsonList(req, "reports", "expected a JSON array of reports, or { reports: [...] }");
        if (!Array.isArray(reports)) return send(reports.status, { error: reports.error });
        if (reports.length > MAX_REPORTS_PER_REQUEST) return send(413, { error: `at most ${MAX_REPORTS_PER_REQUEST} reports per request (this one has ${reports.length})` });
        // Answered only once every report is committed (accepted, or quarantined with its reason).
        const items = await Promise.all(reports.map((r) => deps.ingest.submit(JSON.stringify(r), "http")));
        const results = items.map((item, index) =>
          item.rejection
            ? { index, status: "rejected", code: item.rejection.code, reason: item.rejection.reason }
            : { index, status: "accepted" },
        );
        return send(200, { accepted: results.filter((r) => r.status === "accepted").length, rejected: results.filter((r) => r.status === "rejected").length, results });
      }
      // Heartbeats from devices that speak HTTP: { "deviceIds": [...] }, written before the answer.
      if (req.method === "POST" && req.url === "/v1/heartbeats") {
        const ids = await readJsonList(req, "deviceIds", 'expected { "deviceIds": ["<uuid>", ...] }');
        if (!Array.isArray(ids)) return send(ids.status, { error: ids.error });
        if (ids.length > MAX_HEARTBEATS_PER_REQUEST) return send(413, { error: `at most ${MAX_HEARTBEATS_PER_REQUEST} device ids per request (this one has ${ids.length})` });
        const bad = ids.findIndex((id) => typeof id !== "string" || !isDeviceId(id));
        if (bad >= 0) return send(400, { error: `deviceIds[${bad}] is not a device id (a UUID): ${JSON.stringify(ids[bad])?.slice(0, 80)}` });
        const unique = [...new Set(ids as string[])];
        const recorded = await writeHeartbeats(deps.db.db, deps.metrics, unique);
        return send(200, { recorded, unknown: unique.length - recorded });
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

/**
 * A POSTed JSON list: the body if it is an array, else its `key`; otherwise the status and the
 * reason to answer with.
 */
async function readJsonList(req: http.IncomingMessage, key: string, expected: string): Promise<unknown[] | { status: number; error: string }> {
  const raw = await readBody(req);
  if (raw === null) return { status: 413, error: `body over ${MAX_BODY} bytes` };
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return { status: 400, error: "body is not JSON" };
  }
  const list = Array.isArray(body) ? body : (body as Record<string, unknown> | null)?.[key];
  return Array.isArray(list) ? list : { status: 400, error: expected };
}

/**
 * The request's body, or null past MAX_BODY. What comes after the limit is read and dropped rather
 * than the connection cut (up to four times the limit), so the client gets its 413 and the reason
 * instead of a reset.
 */
function readBody(req: http.IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    let size = 0;
    let chunks: Buffer[] | null = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (chunks && size > MAX_BODY) chunks = null;
      chunks?.push(c);
      // A body that goes on and on is cut off after all.
      if (size > 4 * MAX_BODY) {
        resolve(null);
        req.destroy();
      }
    });
    req.on("end", () => resolve(chunks ? Buffer.concat(chunks).toString("utf8") : null));
    req.on("error", reject);
  });
}
