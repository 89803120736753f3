// What a device last sent each partner lives in its shadow row, and the worker keeps a copy of the
// rows it wrote: replicas, failed batches and deadlocks never lose a write nor count a report twice.
// A silent device becomes unreachable through the same path.
import { describe, expect, it } from "vitest";
import { lockDevice, thermostat, useHarness } from "../testing/harness";
import { ShadowCache } from "./shadow-cache";
import { detectConnectivity } from "./connectivity";

const h = useHarness();

describe("shadows across batches and replicas", () => {
  it("marks a silent device unreachable, and reachable again when it reports", async () => {
    // The lock has reported once, ten minutes before the check.
    await h.ingest(h.report(lockDevice, { lockState: "locked", contactState: "closed" }));
    await h.t.pool.query("update device_shadow set last_report_at = $2 where device_id = $1", [lockDevice, new Date(h.clock - 10 * 60_000)]);
    await h.t.pool.query("update devices set last_seen_at = $2 where id = $1", [lockDevice, new Date(h.clock - 10 * 60_000)]);
    const r = await detectConnectivity(h.t.db, {
      world: h.cache.current(),
      adapters: h.adapters(),
      now: new Date(h.clock),
      silentMs: 120_000,
      shadows: h.shadows,
    });
    expect(r?.stateEvents).toBeGreaterThanOrEqual(1);
    const shadow = async () => (await h.t.pool.query("select reachable, properties from device_shadow where device_id = $1", [lockDevice])).rows[0];
    expect(await shadow()).toMatchObject({ reachable: false, properties: { connectivity: { value: "unreachable" } } });
    const decided = await h.t.pool.query(
      "select partner_id, outcome from decisions where device_id = $1 and category_key = 'user.device.telemetry.connectivity'",
      [lockDevice],
    );
    expect(decided.rows.length).toBeGreaterThan(0);
    expect(
      await detectConnectivity(h.t.db, { world: h.cache.current(), adapters: h.adapters(), now: new Date(h.clock), silentMs: 120_000, shadows: h.shadows }),
    ).toBeNull(); // said once
    // A report observed before the device was marked unreachable, arriving late, does not bring it back.
    const late = await h.ingest(h.report(lockDevice, { lockState: "unlocked" }, { at: h.clock - 5 * 60_000, seq: 1 }));
    expect(late.stale).toBe(1);
    expect(await shadow()).toMatchObject({ reachable: false, properties: { connectivity: { value: "unreachable" } } });
    await h.ingest(h.report(lockDevice, { lockState: "locked" }));
    expect(await shadow()).toMatchObject({ reachable: true, properties: { connectivity: { value: "ok" } } });
  });

  it("keeps what was last sent in the shadow row, so another replica (or a restarted worker) holds a minimum interval", async () => {
    await h.ingest(h.report(thermostat, { temperature: 23.26 }));
    const sentAt = h.clock;
    const stored = async () => (await h.t.pool.query("select sent, revision from device_shadow where device_id = $1", [thermostat])).rows[0];
    expect((await stored()).sent["google-home user.device.sensor.temperature"]).toEqual([sentAt, { temperature: 23.5 }]);
    // This worker wrote the row last: its next batch takes the shadow from its copy, not the database.
    const hits = h.shadows.hits;
    await h.ingest(h.report(thermostat, { humidity: 41 }));
    expect(h.shadows.hits).toBe(hits + 1);

    // A second replica, with nothing in memory, still withholds within Google's 60 s.
    const other = new ShadowCache();
    const lastDecision = async () =>
      (
        await h.t.pool.query(
          "select reasons from decisions where device_id = $1 and partner_id = 'google-home' and category_key = 'user.device.sensor.temperature' order by id desc limit 1",
          [thermostat],
        )
      ).rows[0];
    const r = await h.ingestWith([h.report(thermostat, { temperature: 24.1 }, { at: sentAt + 30_000 })], other);
    expect(other.misses).toBe(1);
    expect(r.decisions.withhold).toBeGreaterThan(0);
    expect((await lastDecision()).reasons.map((x: { code: string }) => x.code)).toEqual(["MIN_INTERVAL"]);
    // The first worker's copy is out of date now (the row's revision moved on): its batch, written
    // from the copy, fails the revision check, and is done again from the row as the other left it.
    const misses = h.shadows.misses;
    const conflicts = h.shadows.conflicts;
    const events = async () => Number((await h.t.pool.query("select count(*) from state_events where device_id = $1", [thermostat])).rows[0].count);
    const eventsBefore = await events();
    await h.ingest(h.report(thermostat, { temperature: 24.6 }, { at: sentAt + 45_000 }));
    expect(h.shadows.conflicts).toBe(conflicts + 1);
    expect(h.shadows.misses).toBe(misses + 1);
    expect(await events()).toBe(eventsBefore + 1); // the rolled-back attempt left nothing
    expect((await lastDecision()).reasons.map((x: { code: string }) => x.code)).toEqual(["MIN_INTERVAL"]);
    // Past the interval, whichever replica handles it sends, and the row says so.
    await h.ingestWith([h.report(thermostat, { temperature: 25.1 }, { at: sentAt + 61_000 })], other);
    expect((await stored()).sent["google-home user.device.sensor.temperature"]).toEqual([sentAt + 61_000, { temperature: 25 }]);
    await h.deliver(); // leaves nothing queued for the tests after it
  });

  it("replicas writing the same devices at once: every report counts once and each shadow ends at its newest report", async () => {
    const devices = [...h.cache.current().devices.values()].filter((d) => d.kind === "thermostat").map((d) => d.deviceId);
    const replicas = [new ShadowCache(), new ShadowCache()];
    const first = 50_000;
    // Round r: each replica reports every device, replica 1 one seq above replica 0; a humidity of
    // its own for each seq (none any earlier test left), so every report that is not stale is a change.
    const humidity = (s: number) => 70 + (s - first);
    const batch = (round: number, replica: number) =>
      devices.map((deviceId) => {
        const s = first + round * 2 + replica;
        return h.rawItem(
          JSON.stringify({ v: 1, deviceId, seq: s, observedAt: new Date(h.clock).toISOString(), cause: "physical", properties: { humidity: humidity(s) } }),
        );
      });
    const version = async () =>
      Number((await h.t.pool.query("select coalesce(sum(version), 0) as v from device_shadow where device_id = any($1::uuid[])", [devices])).rows[0].v);
    const versionBefore = await version();
    let accepted = 0,
      stale = 0,
      stateEvents = 0;
    const rounds = 6;
    for (let round = 0; round < rounds; round++) {
      h.clock += 1_000;
      const results = await Promise.all(replicas.map((r, i) => h.ingestWith(batch(round, i), r)));
      for (const r of results) {
        accepted += r.accepted;
        stale += r.stale;
        stateEvents += r.stateEvents;
      }
    }
    // Each replica's copies went stale whenever the other wrote after it: some batches were redone.
    expect(replicas[0]!.conflicts + replicas[1]!.conflicts).toBeGreaterThan(0);
    expect(accepted + stale).toBe(rounds * 2 * devices.length);
    expect(stateEvents).toBe(accepted);
    const stored = await h.t.pool.query("select count(*) from state_events where device_id = any($1::uuid[]) and seq >= $2", [devices, first]);
    expect(Number(stored.rows[0].count)).toBe(accepted);
    expect((await version()) - versionBefore).toBe(accepted);
    const last = first + (rounds - 1) * 2 + 1;
    const shadowsNow = await h.t.pool.query("select properties -> 'humidity' as h from device_shadow where device_id = any($1::uuid[])", [devices]);
    expect(shadowsNow.rows).toHaveLength(devices.length);
    for (const row of shadowsNow.rows) expect(row.h).toMatchObject({ seq: last, value: humidity(last) });
    await h.deliver(); // leaves nothing queued for the tests after it
  });

  it("a batch that fails leaves no copy of its shadows behind: the report is taken afresh, not counted stale", async () => {
    await h.t.pool.query(`create function refuse_outbox() returns trigger language plpgsql as $$ begin raise exception 'outbox refused for the test'; end $$`);
    await h.t.pool.query("create trigger refuse_outbox before insert on outbox for each statement execute function refuse_outbox()");
    const item = h.report(thermostat, { temperature: 26.26 });
    try {
      await expect(h.ingest(item)).rejects.toMatchObject({ cause: { message: expect.stringMatching(/outbox refused/) } });
    } finally {
      await h.t.pool.query("drop trigger refuse_outbox on outbox; drop function refuse_outbox()");
    }
    expect(h.shadows.revisionOf(thermostat)).toBeUndefined();
    // The failed batch had moved the copy on to this report's seq; had the copy stayed, the retry would be stale.
    expect(await h.ingest(item)).toMatchObject({ accepted: 1, stale: 0, stateEvents: 1 });
    await h.deliver();
  });

  it("a batch the database ends to break a deadlock goes again at once, whichever way it took its shadows, and counts once", async () => {
    // The next state-event insert after each restart of the sequence is ended as a deadlock victim
    // would be (a sequence, not a table, counts it: the victim's transaction rolls back).
    await h.t.pool.query("create sequence deadlock_once");
    await h.t.pool.query(`create function deadlock_once() returns trigger language plpgsql as $$
      begin
        if nextval('deadlock_once') = 1 then
          raise exception 'deadlock detected (for the test)' using errcode = '40P01';
        end if;
        return null;
      end $$`);
    await h.t.pool.query("create trigger deadlock_once after insert on state_events for each statement execute function deadlock_once()");
    const ended = async () => Number((await h.t.pool.query("select last_value from deadlock_once")).rows[0].last_value);
    try {
      for (const temperature of [26.5, 26.75]) {
        // A copy of the shadow held (the earlier batch's), written back unlocked: done again the locking way.
        await h.t.pool.query("alter sequence deadlock_once restart");
        const before = h.shadows.conflicts;
        expect(await h.ingest(h.report(thermostat, { temperature }))).toMatchObject({ accepted: 1, stale: 0, stateEvents: 1 });
        expect(h.shadows.conflicts - before).toBe(1);
        expect(await ended()).toBe(2); // ended once, then through
      }
      // Ended on the locking way too (no copy held): once more, at once.
      h.shadows.take(thermostat, "");
      await h.t.pool.query("alter sequence deadlock_once restart");
      expect(await h.ingest(h.report(thermostat, { temperature: 27 }))).toMatchObject({ accepted: 1, stale: 0, stateEvents: 1 });
      expect(await ended()).toBe(2);
    } finally {
      await h.t.pool.query("drop trigger deadlock_once on state_events; drop function deadlock_once(); drop sequence deadlock_once");
    }
    await h.deliver();
  });
});
