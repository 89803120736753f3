// The worker's HTTP port: POST /v1/state-reports (batches), POST /v1/heartbeats, the partners'
// requests, GET /v1/schemas/state-report.json, /healthz, /metrics. Reports and heartbeats need a
// bearer credential: a device's own (it speaks for itself) or an ingest client's (for its homes'
// devices, or every device); a report for a device outside it is quarantined as UNAUTHORIZED_DEVICE.
import { authenticateBearer, isDeviceId, type Speaker } from "@proviso/core";
import type { DbHandle } from "@proviso/db";
import { MAX_HEARTBEATS_PER_REQUEST, MAX_REPORTS_PER_REQUEST, stateReportJsonSchema } from "@proviso/domain";
import http from "node:http";
import type { IngestBuffer } from "../ingest/buffer";
import { writeHeartbeats } from "../ingest/heartbeats";
import type { Metrics } from "../metrics";
import type { World } from "@proviso/snapshot";
import { adapterForPath, answerPartnerRequest, type PartnerRequestDeps } from "../partner-requests/answer";
import { readBody, readJsonList } from "./body";

export interface WorkerHttpDeps {
  db: DbHandle;
  mqttConnected: () => boolean;
  metrics: Metrics;
  ingest: IngestBuffer;
  partners: Omit<PartnerRequestDeps, "db">;
}

/** Which devices a speaker may report for, by the snapshot's device directory. */
export function scopeOf(speaker: Speaker, world: () => World): (deviceId: string) => boolean {
  if (speaker.kind === "device") return (deviceId) => deviceId === speaker.deviceId;
  if (speaker.homeIds === null) return () => true;
  const homes = new Set(speaker.homeIds);
  return (deviceId) => {
    const device = world().devices.get(deviceId);
    return device !== undefined && homes.has(device.homeId);
  };
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
      if (req.method === "POST" && (req.url === "/v1/state-reports" || req.url === "/v1/heartbeats")) return await ingestRoute(deps, req, res, send);
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

type Send = (status: number, body: unknown, headers?: Record<string, string>) => void;

/** Reports and heartbeats: a credential first (the whole request refused without one), then each device held to its scope. */
async function ingestRoute(deps: WorkerHttpDeps, req: http.IncomingMessage, res: http.ServerResponse, send: Send) {
  const speaker = await authenticateBearer(deps.db.db, req.headers.authorization);
  if ("refused" in speaker) {
    deps.metrics.refused.inc({ reason: req.headers.authorization ? "bad_credential" : "no_credential" });
    req.resume(); // its body is not read, but drained: the client gets the 401, not a reset
    res.setHeader("connection", "close");
    return send(401, { error: speaker.refused }, { "content-type": "application/json", "www-authenticate": 'Bearer realm="proviso"' });
  }
  const may = scopeOf(speaker, deps.partners.world);
  if (req.url === "/v1/state-reports") {
    const reports = await readJsonList(req, "reports", "expected a JSON array of reports, or { reports: [...] }");
    if (!Array.isArray(reports)) return send(reports.status, { error: reports.error });
    if (reports.length > MAX_REPORTS_PER_REQUEST)
      return send(413, { error: `at most ${MAX_REPORTS_PER_REQUEST} reports per request (this one has ${reports.length})` });
    // Answered only once every report is committed (accepted, or quarantined with its reason).
    const items = await Promise.all(reports.map((r) => deps.ingest.submit(JSON.stringify(r), "http", undefined, may)));
    const unauthorized = items.filter((i) => i.rejection?.code === "UNAUTHORIZED_DEVICE").length;
    if (unauthorized) deps.metrics.refused.inc({ reason: "unauthorized_device" }, unauthorized);
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
  const ids = await readJsonList(req, "deviceIds", 'expected { "deviceIds": ["<uuid>", ...] }');
  if (!Array.isArray(ids)) return send(ids.status, { error: ids.error });
  if (ids.length > MAX_HEARTBEATS_PER_REQUEST)
    return send(413, { error: `at most ${MAX_HEARTBEATS_PER_REQUEST} device ids per request (this one has ${ids.length})` });
  const bad = ids.findIndex((id) => typeof id !== "string" || !isDeviceId(id));
  if (bad >= 0) return send(400, { error: `deviceIds[${bad}] is not a device id (a UUID): ${JSON.stringify(ids[bad])?.slice(0, 80)}` });
  const unique = [...new Set(ids as string[])];
  // Only the devices this credential speaks for: a heartbeat keeps a device looking reachable.
  const allowed = unique.filter(may);
  const refused = unique.length - allowed.length;
  if (refused) deps.metrics.refused.inc({ reason: "unauthorized_device" }, refused);
  const recorded = await writeHeartbeats(deps.db.db, deps.metrics, allowed);
  return send(200, { recorded, unknown: allowed.length - recorded, unauthorized: refused });
}
