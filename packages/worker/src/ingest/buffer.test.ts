// The ingest buffer: batches committed in lanes, each report answered once its batch commits; a report
// the database refuses for good is isolated and quarantined, a passing refusal retried whole.
import { describe, expect, it } from "vitest";
import { lockDevice, thermostat, useHarness } from "../testing/harness";
import { IngestBuffer, laneOf, messageOf } from "./buffer";
import { stableId } from "@proviso/seed";

const h = useHarness();

describe("the ingest buffer", () => {
  it("isolates a report the database refuses for good: it is quarantined with the database's words, the rest of its batch commits", async () => {
    // A constraint the pipeline does not know about stands in for any refusal that lies in the data.
    await h.t.pool.query(`create function refuse_seq() returns trigger language plpgsql as $$
      begin if new.seq = 424242 then raise exception 'seq % is refused here', new.seq using errcode = '23514'; end if; return new; end $$`);
    await h.t.pool.query("create trigger refuse_seq before insert on state_events for each row execute function refuse_seq()");
    try {
      const errors: string[] = [];
      const buffer = new IngestBuffer({
        db: h.t.db,
        adapters: h.adapters(),
        world: () => h.cache.current(),
        maxWaitMs: 5,
        onError: (e) => errors.push(e.message),
      });
      const lastEvent = Number((await h.t.pool.query("select coalesce(max(id), 0) as id from state_events")).rows[0].id);
      const raw = (deviceId: string, seq: number, properties: object) =>
        JSON.stringify({ v: 1, deviceId, seq, observedAt: new Date().toISOString(), cause: "app", properties });
      const base = (h.seq += 100); // above every seq the harness has sent
      const raws = [
        raw(thermostat, base + 1, { humidity: 61.5 }),
        raw(thermostat, base + 2, { humidity: 62.5 }),
        raw(lockDevice, 424242, { lockState: "jammed" }),
        raw(thermostat, base + 3, { humidity: 63.5 }),
        raw(stableId("device:1:0"), base + 4, { temperature: 20.5 }),
      ];
      const results = await Promise.all(raws.map((r) => buffer.submit(r, "http")));
      expect(results.map((r) => (r.rejection ? r.rejection.code : "accepted"))).toEqual(["accepted", "accepted", "UNSTORABLE", "accepted", "accepted"]);
      expect(results[2]!.rejection!.reason).toBe("the database refused it: seq 424242 is refused here");
      const stored = await h.t.pool.query("select seq::float8 as seq from state_events where id > $1 order by seq", [lastEvent]);
      expect(stored.rows.map((r) => r.seq)).toEqual([base + 1, base + 2, base + 3, base + 4]);
      const q = await h.t.pool.query("select reason_code, device_ref, raw from quarantine where reason_code = 'UNSTORABLE'");
      expect(q.rows).toEqual([{ reason_code: "UNSTORABLE", device_ref: lockDevice, raw: raws[2] }]);
      // Not a retry: nothing was reported as a batch to try again.
      expect(errors).toEqual([]);
    } finally {
      await h.t.pool.query("drop trigger refuse_seq on state_events; drop function refuse_seq()");
    }
  });

  it("retries a batch the database could not take for a passing reason, whole, and acknowledges it only once committed", async () => {
    // Refused once as a serialization failure (40001: not the data's fault), then taken.
    await h.t.pool.query("create table refuse_once (x int)");
    await h.t.pool.query("insert into refuse_once values (1)");
    await h.t.pool.query(`create function refuse_once() returns trigger language plpgsql as $$
      begin if exists (select 1 from refuse_once) then raise exception 'try again' using errcode = '40001'; end if; return new; end $$`);
    await h.t.pool.query("create trigger refuse_once before insert on state_events for each row execute function refuse_once()");
    try {
      const errors: string[] = [];
      const buffer = new IngestBuffer({
        db: h.t.db,
        adapters: h.adapters(),
        world: () => h.cache.current(),
        maxWaitMs: 5,
        onError: (e) => {
          errors.push(messageOf(e));
          void h.t.pool.query("delete from refuse_once");
        },
      });
      const before = Number((await h.t.pool.query("select count(*) from state_events")).rows[0].count);
      const quarantinedBefore = Number((await h.t.pool.query("select count(*) from quarantine")).rows[0].count);
      const base = (h.seq += 100); // above every seq the harness has sent
      const raws = [1, 2, 3].map((n) =>
        JSON.stringify({ v: 1, deviceId: thermostat, seq: base + n, observedAt: new Date().toISOString(), cause: "app", properties: { humidity: 50 + n } }),
      );
      const results = await Promise.all(raws.map((r) => buffer.submit(r, "http")));
      expect(results.map((r) => r.rejection?.code ?? "accepted")).toEqual(["accepted", "accepted", "accepted"]);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/try again/);
      expect(Number((await h.t.pool.query("select count(*) from state_events")).rows[0].count)).toBe(before + 3);
      expect(Number((await h.t.pool.query("select count(*) from quarantine")).rows[0].count)).toBe(quarantinedBefore);
    } finally {
      await h.t.pool.query("drop trigger refuse_once on state_events; drop function refuse_once(); drop table refuse_once");
    }
  });

  it("answers each submitted report once its batch is committed, accepted or quarantined", async () => {
    const batches: number[] = [];
    const buffer = new IngestBuffer({
      db: h.t.db,
      adapters: h.adapters(),
      world: () => h.cache.current(),
      lanes: 2,
      maxWaitMs: 5,
      onBatch: (_r, size) => batches.push(size),
    });
    const before = Number((await h.t.pool.query("select count(*) from state_events")).rows[0].count);
    const from = (h.seq += 100); // above every seq the harness has sent
    const good = (n: number) =>
      JSON.stringify({
        v: 1,
        deviceId: thermostat,
        seq: from + n,
        observedAt: new Date().toISOString(),
        cause: "app",
        properties: { humidity: 30 + n },
      });
    const unknown = JSON.stringify({
      v: 1,
      deviceId: "0b9c7f4e-2f0a-4f57-9c43-1c1f5a0e0aff",
      seq: 1,
      observedAt: new Date().toISOString(),
      cause: "app",
      properties: { humidity: 30 },
    });
    const results = await Promise.all([
      buffer.submit(good(1), "http"),
      buffer.submit("{oops", "http"),
      buffer.submit(good(2), "http"),
      buffer.submit(unknown, "http"),
    ]);
    expect(results.map((r) => (r.rejection ? r.rejection.code : "accepted"))).toEqual(["accepted", "BAD_JSON", "accepted", "UNKNOWN_DEVICE"]);
    // Resolved means committed: the rows are there.
    expect(Number((await h.t.pool.query("select count(*) from state_events")).rows[0].count)).toBe(before + 2);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(4);
    await buffer.stop();
  });

  it("keeps each device in one lane: its reports commit in the order they came, none overtaken and counted stale", async () => {
    const results: { accepted: number; stale: number }[] = [];
    const buffer = new IngestBuffer({
      db: h.t.db,
      adapters: h.adapters(),
      world: () => h.cache.current(),
      lanes: 3,
      maxBatch: 4,
      maxWaitMs: 1,
      onBatch: (r) => results.push(r),
    });
    const base = (h.seq += 100); // above every seq the harness has sent
    const sent = Array.from({ length: 40 }, (_, n) =>
      buffer.submit(
        JSON.stringify({
          v: 1,
          deviceId: thermostat,
          seq: base + n,
          observedAt: new Date().toISOString(),
          cause: "app",
          properties: { humidity: 20 + (n % 30) },
        }),
        "http",
      ),
    );
    await Promise.all(sent);
    await buffer.stop();
    expect(results.reduce((a, r) => a + r.accepted, 0)).toBe(40);
    expect(results.reduce((a, r) => a + r.stale, 0)).toBe(0);
    expect([0, 1, 2].map((lane) => laneOf(thermostat, 3) === lane).filter(Boolean)).toHaveLength(1);
  });
});
