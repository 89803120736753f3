// The worker's HTTP port: /healthz for liveness, /metrics for Prometheus.
import type { DbHandle } from "@proviso/db";
import http from "node:http";
import type { MqttClient } from "mqtt";
import type { Metrics } from "./metrics";

export function createWorkerHttp(deps: { db: DbHandle; mqtt: MqttClient; metrics: Metrics }) {
  return http.createServer(async (req, res) => {
    if (req.method === "GET" && req.url === "/healthz") {
      const database = await deps.db.pool
        .query("select 1")
        .then(() => true)
        .catch(() => false);
      const mqtt = deps.mqtt.connected;
      res.writeHead(database && mqtt ? 200 : 503, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: database && mqtt, database, mqtt }));
      return;
    }
    if (req.method === "GET" && req.url === "/metrics") {
      res.writeHead(200, { "content-type": deps.metrics.registry.contentType });
      res.end(await deps.metrics.registry.metrics());
      return;
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: "not found" }));
  });
}
