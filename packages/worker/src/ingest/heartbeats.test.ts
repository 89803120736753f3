// Heartbeats from MQTT: gathered and written once per interval against a real database, each
// device once, counted as what they turned out to be.
import { createTestDatabase, type TestDatabase } from "@proviso/db/testing";
import { seed } from "@proviso/seed";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createHeartbeatSink } from "./heartbeats";
import { createMetrics } from "../metrics";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await seed(t.db, { now: new Date(), homes: 2 });
});
afterAll(() => t?.drop());

it("writes when each device was last heard from, and counts accepted, unknown and rejected heartbeats", async () => {
  const ids = (await t.pool.query("select id from devices order by serial limit 2")).rows.map((r) => r.id as string);
  await t.pool.query("update devices set last_seen_at = null");
  const metrics = createMetrics();
  const sink = createHeartbeatSink(t.db, metrics, { intervalMs: 60_000 });
  const topic = (id: string) => `proviso/v1/devices/${id}/heartbeat`;
  sink.accept(topic(ids[0]!));
  sink.accept(topic(ids[0]!));
  sink.accept(topic(ids[1]!));
  sink.accept(topic("00000000-0000-4000-8000-000000000009"));
  sink.accept(topic("not-a-device"));
  await sink.stop();
  const seen = await t.pool.query("select id from devices where last_seen_at > now() - interval '1 minute' order by serial");
  expect(seen.rows.map((r) => r.id)).toEqual(ids);
  const text = await metrics.registry.getSingleMetricAsString("proviso_heartbeats_total");
  expect(text).toMatch(/result="accepted"} 2$/m);
  expect(text).toMatch(/result="unknown"} 1$/m);
  expect(text).toMatch(/result="rejected"} 1$/m);
});
