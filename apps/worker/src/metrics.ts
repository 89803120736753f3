import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "proviso_worker_" });
  return {
    registry,
    heartbeats: new Counter({
      name: "proviso_heartbeats_total",
      help: "Device heartbeats received, by result",
      labelNames: ["result"] as const,
      registers: [registry],
    }),
    mqttConnected: new Gauge({
      name: "proviso_mqtt_connected",
      help: "1 while the worker is connected to the MQTT broker",
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
