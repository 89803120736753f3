import { sealDecisions } from "@proviso/audit";
import { createTestDatabase, type TestDatabase } from "@proviso/db/testing";
import { seed, stableId } from "@proviso/seed";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportHomeData, ledgerCsv } from "./export-home-data";
import { getHomeLedger } from "./home-ledger";

let t: TestDatabase;
const home = stableId("home:0");
const owner = stableId("user:homeowner@proviso.test");

beforeAll(async () => {
  t = await createTestDatabase();
  await seed(t.db, { homes: 3, now: new Date("2026-11-24T00:00:00Z") });
  const base = Date.parse("2026-11-24T12:00:00Z");
  const event = await t.pool.query(
    "insert into state_events (device_id, home_id, seq, observed_at, cause, properties) values ($1, $2, 1, $3, 'physical', '{}') returning id",
    [stableId("device:0:0"), home, new Date(base)],
  );
  await t.db.transaction((tx) =>
    sealDecisions(
      tx,
      Array.from({ length: 5 }, (_, i) => ({
        stateEventId: Number(event.rows[0].id),
        homeId: home,
        deviceId: stableId("device:0:0"),
        partnerId: "alexa",
        linkId: stableId("link:0:alexa"),
        categoryKey: "user.device.sensor.temperature",
        mode: "proactive" as const,
        stage: "change" as const,
        outcome: i % 2 ? ("withhold" as const) : ("send" as const),
        sentProperties: i % 2 ? null : { temperature: 20 + i },
        reasons: i % 2 ? [{ code: "MODE_NOT_AGREED", clauseKey: "2.1" }] : [{ code: "ALLOWED_BY_CLAUSE", clauseKey: "2.1" }],
        observedAt: new Date(base + i * 1000),
        decidedAt: new Date(base + i * 1000),
      })),
      { stage: "change" },
    ),
  );
});
afterAll(async () => t?.drop());

describe("the home's ledger", () => {
  it("pages newest first by cursor, with every entry once", async () => {
    const seen: number[] = [];
    let cursor = null;
    for (let page = 0; page < 5; page++) {
      const r: Awaited<ReturnType<typeof getHomeLedger>> = await getHomeLedger(t.db, { userId: owner, homeId: home, limit: 2, cursor });
      seen.push(...r.entries.map((e) => e.id));
      cursor = r.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
  });

  it("filters by outcome and explains in plain words", async () => {
    const r = await getHomeLedger(t.db, { userId: owner, homeId: home, filter: { outcome: "withhold" } });
    expect(r.entries).toHaveLength(2);
    expect(r.entries[0]!.explanation).toMatch(/^The agreement lets Amazon Alexa learn your temperature only when you ask/);
  });

  it("exports everything as JSON and the ledger as CSV, quoting what needs it", async () => {
    const data = await exportHomeData(t.db, { userId: owner, homeId: home });
    expect(data.decisions).toHaveLength(5);
    expect(data.consentHistory.length).toBeGreaterThan(0);
    const csv = ledgerCsv(data).trim().split("\n");
    expect(csv).toHaveLength(6);
    expect(csv[1]).toContain('"{""temperature"":20}"');
    // What the page shows is in the export too: names, the report's cause, and why in plain words.
    expect(csv[0]!.split(",").slice(-4)).toEqual(["partner_name", "device", "cause", "why"]);
    expect(csv[2]).toContain("Amazon Alexa");
    expect(csv[2]).toMatch(/,physical,"?The agreement lets Amazon Alexa learn your temperature only when you ask/);
    expect(data.decisions[1]).toMatchObject({ cause: "physical", partnerName: "Amazon Alexa" });
    await expect(exportHomeData(t.db, { userId: stableId("user:owner1@homes.proviso.test"), homeId: home })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("is not there for someone else's home", async () => {
    await expect(getHomeLedger(t.db, { userId: stableId("user:owner1@homes.proviso.test"), homeId: home })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
