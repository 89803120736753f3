// The worker's Prometheus metrics (GET /metrics), counted from its events.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { WorkerEvents } from "./events";
import type { ShadowCache } from "./ingest/shadow-cache";

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "proviso_worker_" });
  const r = [registry];
  return {
    registry,
    heartbeats: new Counter({
      name: "proviso_heartbeats_total",
      help: "Device heartbeats received, by result (accepted; rejected: not a device id; unknown: no such device, over HTTP)",
      labelNames: ["result"] as const,
      registers: r,
    }),
    reports: new Counter({
      name: "proviso_reports_total",
      help: "State reports, by result (accepted, rejected, stale, unchanged)",
      labelNames: ["result"] as const,
      registers: r,
    }),
    refused: new Counter({
      name: "proviso_ingest_refused_total",
      help: "Reports and heartbeats refused over HTTP: no or a bad credential (the whole request), or a device the credential may not speak for",
      labelNames: ["reason"] as const,
      registers: r,
    }),
    decisions: new Counter({ name: "proviso_decisions_total", help: "Decisions at state change, by outcome", labelNames: ["outcome"] as const, registers: r }),
    delivered: new Counter({ name: "proviso_deliveries_total", help: "Outbox messages finished, by result", labelNames: ["result"] as const, registers: r }),
    deferred: new Counter({
      name: "proviso_deliveries_deferred_total",
      help: "Sends held back, not failed: by a rate_limit clause's bucket or a partner's 429 hold (due again when it has room)",
      registers: r,
    }),
    partnerErrors: new Counter({
      name: "proviso_partner_errors_total",
      help: "Partner answers other than success, by partner and status",
      labelNames: ["partner", "status"] as const,
      registers: r,
    }),
    deliveryLatency: new Histogram({
      name: "proviso_delivery_latency_seconds",
      help: "From the outbox row's creation to the partner's acceptance",
      labelNames: ["partner"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: r,
    }),
    outboxDepth: new Gauge({ name: "proviso_outbox_depth", help: "Outbox messages waiting (pending or retrying)", registers: r }),
    devicesUnreachable: new Gauge({
      name: "proviso_devices_unreachable",
      help: "Devices silent past DEVICE_UNREACHABLE_SECONDS (partners were told)",
      registers: r,
    }),
    mqttConnected: new Gauge({ name: "proviso_mqtt_connected", help: "1 while the worker is connected to the MQTT broker", registers: r }),
    discoveryQueued: new Counter({
      name: "proviso_discovery_updates_queued_total",
      help: "Discovery updates queued (Alexa AddOrUpdateReport / DeleteReport, Google requestSync): what a partner was told of a home's devices fell behind what is allowed",
      labelNames: [] as const,
      registers: r,
    }),
    integrity: new Counter({ name: "proviso_audit_integrity_failures_total", help: "Audit failures", labelNames: ["what"] as const, registers: r }),
    snapshotReloads: new Counter({
      name: "proviso_snapshot_reloads_total",
      help: "Policy snapshot updates: loaded whole, or changes_applied (the consents, links, devices or terms changed since applied to it)",
      labelNames: ["how"] as const,
      registers: r,
    }),
    shadowReads: new Counter({
      name: "proviso_shadow_reads_total",
      help: "Shadow rows an ingest batch needed: cached (this worker wrote them last) or read (another replica wrote them since, or first seen)",
      labelNames: ["source"] as const,
      registers: r,
    }),
    shadowConflicts: new Counter({
      name: "proviso_shadow_conflicts_total",
      help: "Ingest batches decided from this worker's copies of the shadows and done again the locking way: another replica had written one of the rows since",
      registers: r,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Counts what the worker's stages say they did; the shadow cache's counters are read after each batch. */
export function countEvents(metrics: Metrics, events: WorkerEvents, shadows: ShadowCache) {
  let seen = { hits: 0, misses: 0, conflicts: 0 };
  events.on("ingest.committed", (r) => {
    const { hits, misses, conflicts } = shadows;
    metrics.shadowReads.inc({ source: "cached" }, hits - seen.hits);
    metrics.shadowReads.inc({ source: "read" }, misses - seen.misses);
    metrics.shadowConflicts.inc(conflicts - seen.conflicts);
    seen = { hits, misses, conflicts };
    metrics.reports.inc({ result: "accepted" }, r.accepted - r.unchanged);
    metrics.reports.inc({ result: "unchanged" }, r.unchanged);
    metrics.reports.inc({ result: "stale" }, r.stale);
    metrics.reports.inc({ result: "rejected" }, r.quarantined);
    for (const [outcome, n] of Object.entries(r.decisions)) metrics.decisions.inc({ outcome }, n);
  });
  events.on("delivery.round", (r) => {
    for (const k of ["delivered", "retried", "dead", "cancelled", "revoked"] as const) if (r[k]) metrics.delivered.inc({ result: k }, r[k]);
    if (r.deferred) metrics.deferred.inc(r.deferred);
  });
  events.on("delivery.delivered", (partner, ms) => metrics.deliveryLatency.observe({ partner }, ms / 1000));
  events.on("delivery.partner_error", (partner, status) => metrics.partnerErrors.inc({ partner, status: String(status ?? "none") }));
  events.on("discovery.queued", (n) => metrics.discoveryQueued.inc(n));
  events.on("snapshot.updated", (w) => metrics.snapshotReloads.inc({ how: w.origin === "loaded" ? "loaded" : "changes_applied" }));
}
