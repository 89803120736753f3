// The worker's HTTP port: POST /v1/state-reports (batches), POST /v1/heartbeats, the partners'
// requests, GET /v1/schemas/state-report.json, /healthz, /metrics.
import { isDeviceId } from "@proviso/core";
import type { DbHandle } from "@proviso/db";
import { MAX_HEARTBEATS_PER_REQUEST, MAX_REPORTS_PER_REQUEST, stateReportJsonSchema } from "@proviso/domain";
import http from "node:http";
import type { IngestBuffer } from "../ingest/buffer";
import { writeHeartbeats } from "../ingest/heartbeats";
import type { Metrics } from "../metrics";
import { adapterForPath, answerPartnerRequest, type PartnerRequestDeps } from "../partner-requests/answer";
import { readBody, readJsonList } from "./body";

export interface WorkerHttpDeps {
  db: DbHandle;
  mqttConnected: () => boolean;
  metrics: Metrics;
  ingest: IngestBuffer;
  partners: Omit<PartnerRequestDeps, "db">;
}

export function createWorkerHttp(deps: WorkerHttpDeps) {
  return http.createServer(async (req, res) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = { "content-type": "application/json" }) => {
      res.writeHead(status, headers);
      res.end(typeof body === "string" ? body : JSON.stringify(body));
    };
    try {
      if (req.method === "GET" && req.url === "/healthz") {
        const database = await deps.db.pool.query("select 1").then(
          () => true,
          () => false,
        );
        const mqtt = deps.mqttConnected();
        // How current the snapshot the worker decides by is (the policy counter it has applied).
        const policyVersion = deps.partners.world().policyVersion;
        return send(database && mqtt ? 200 : 503, { ok: database && mqtt, database, mqtt, policyVersion });
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
        if (reports.length > MAX_REPORTS_PER_REQUEST)
          return send(413, { error: `at most ${MAX_REPORTS_PER_REQUEST} reports per request (this one has ${reports.length})` });
        // Answered only once every report is committed (accepted, or quarantined with its reason).
        const items = await Promise.all(reports.map((r) => deps.ingest.submit(JSON.stringify(r), "http")));
        const results = items.map((item, index) =>
          item.rejection ? { index, status: "rejected", code: item.rejection.code, reason: item.rejection.reason } : { index, status: "accepted" },
        );
        return send(200, {
          accepted: results.filter((r) => r.status === "accepted").length,
          rejected: results.filter((r) => r.status === "rejected").length,
          results,
        });
      }
      // Heartbeats from devices that speak HTTP: { "deviceIds": [...] }, written before the answer.
      if (req.method === "POST" && req.url === "/v1/heartbeats") {
        const ids = await readJsonList(req, "deviceIds", 'expected { "deviceIds": ["<uuid>", ...] }');
        if (!Array.isArray(ids)) return send(ids.status, { error: ids.error });
        if (ids.length > MAX_HEARTBEATS_PER_REQUEST)
          return send(413, { error: `at most ${MAX_HEARTBEATS_PER_REQUEST} device ids per request (this one has ${ids.length})` });
        const bad = ids.findIndex((id) => typeof id !== "string" || !isDeviceId(id));
        if (bad >= 0) return send(400, { error: `deviceIds[${bad}] is not a device id (a UUID): ${JSON.stringify(ids[bad])?.slice(0, 80)}` });
        const unique = [...new Set(ids as string[])];
        const recorded = await writeHeartbeats(deps.db.db, deps.metrics, unique);
        return send(200, { recorded, unknown: unique.length - recorded });
      }
      // Partners asking, each at its adapter's path: answered with only what on-request terms and consent allow.
      const adapter = req.method === "POST" ? adapterForPath(deps.partners.adapters, req.url ?? "") : null;
      if (adapter) {
        const raw = await readBody(req);
        let body: unknown;
        try {
          body = JSON.parse(raw ?? "");
        } catch {
          return send(400, { error: "body is not JSON" });
        }
        const headers = { authorization: req.headers.authorization };
        const answer = await answerPartnerRequest({ db: deps.db.db, ...deps.partners }, adapter, body, headers);
        return send(answer.status, answer.body);
      }
      return send(404, { error: "not found" });
    } catch (err) {
      return send(500, { error: (err as Error).message });
    }
  });
}
