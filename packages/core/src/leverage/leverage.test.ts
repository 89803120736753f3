// Leverage on the record, against the real database: demands filed and answered (with tenancy),
// listings a draft puts at risk, conflicts with their numbers, alerts at 60/30/7 days, a lapsed
// certification withholding as the clause says, and the what-if replay — exact, including the
// consent each recorded change saw at its moment.
import { appendAudit, verifyChain } from "@proviso/audit";
import { auditLog, certifications, consents, decisions, stateEvents, type Database } from "@proviso/db";
import { createTestDatabase, type TestDatabase } from "@proviso/db/testing";
import { compileSnapshot, decideShare } from "@proviso/policy";
import { seed, stableId } from "@proviso/seed";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../errors";
import { saveDraftVersion, submitVersionForReview } from "../agreements/draft-versions";
import { getVersionReview } from "../agreements/get-version-review";
import { getVersionDocument } from "../agreements/read-versions";
import { loadPolicySnapshot } from "@proviso/snapshot";
import { answerDemand, fileDemand, listDemands } from "./demands";
import { findConflicts, raiseDueAlerts, updateCertification } from "./leverage";
import { getDeliveryHealth } from "./delivery-health";
import { draftForDemand } from "./partner-views";
import { claimReplayJob, requestReplay, runReplayJob } from "./what-if";

const NOW = new Date("2026-11-24T00:00:00Z");
const DAY = 86_400_000;
let t: TestDatabase;
const alexaStaff = stableId("user:alexa@partners.proviso.test");
const manager = stableId("user:manager@proviso.test");
const amazonListing = stableId("listing:S1-US:amazon-store");
const googleListing = stableId("listing:T1-US:google-store");

beforeAll(async () => {
  t = await createTestDatabase();
  await seed(t.db, { homes: 12, now: NOW });
});
afterAll(async () => t?.drop());

async function appError(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe("demands", () => {
  it("are filed by a partner for its own listings only, with clear field errors, and recorded on the chain", async () => {
    const missing = await appError(
      fileDemand(t.db, {
        partnerId: "alexa",
        userId: alexaStaff,
        now: NOW,
        input: {
          category: "user.device.sensor.occupancy",
          mode: "proactive",
          purpose: "functional.service.automation",
          leverage: "retail_listing",
          description: "",
        },
      }),
    );
    expect(missing.fieldErrors).toMatchObject({ listingId: ["Choose the retail listing this depends on"], description: ["Say what you ask for and why"] });
    const other = await appError(
      fileDemand(t.db, {
        partnerId: "alexa",
        userId: alexaStaff,
        now: NOW,
        input: {
          category: "user.device.sensor.occupancy",
          mode: "proactive",
          purpose: "functional.service.automation",
          leverage: "retail_listing",
          listingId: googleListing,
          description: "x",
        },
      }),
    );
    expect(other.fieldErrors).toEqual({ listingId: ["Choose one of your own channels' listings"] });
    const d = await fileDemand(t.db, {
      partnerId: "alexa",
      userId: alexaStaff,
      now: NOW,
      input: {
        category: "user.device.sensor.occupancy",
        mode: "proactive",
        purpose: "functional.service.automation",
        leverage: "retail_listing",
        listingId: amazonListing,
        deadline: new Date(NOW.getTime() + 5 * DAY),
        description: "Proactive occupancy for routines, or the S1 listing is reviewed.",
      },
    });
    const listed = await listDemands(t.db, "alexa");
    expect(listed.find((x) => x.id === d.id)).toMatchObject({
      status: "open",
      leverageLabel: "retail listing S1-US on Amazon store",
      summary: "Occupancy whenever it changes",
    });
    expect(await listDemands(t.db, "google-home").then((l) => l.some((x) => x.id === d.id))).toBe(false);
    const [entry] = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityType, "partner_demand"), eq(auditLog.entityId, d.id)));
    expect(entry).toMatchObject({ action: "demand.filed", actorId: alexaStaff });
  });

  it("are answered with a draft of the same partner's agreement, never another's", async () => {
    const [d] = await listDemands(t.db, "alexa");
    const googleVersion = (await t.db.execute(
      sql`select v.id from agreement_versions v join agreements a on a.id = v.agreement_id where a.partner_id = 'google-home' limit 1`,
    )) as unknown as { rows: { id: string }[] };
    const wrong = await appError(
      answerDemand(t.db, { userId: manager, input: { demandId: d!.id, status: "countered", versionId: googleVersion.rows[0]!.id, note: "" } }),
    );
    expect(wrong.fieldErrors).toEqual({ versionId: ["Choose a version of this partner's agreement"] });
    const draft = await draftForDemand(t.db, { demandId: d!.id, userId: manager });
    expect(await listDemands(t.db, "alexa").then((l) => l.find((x) => x.id === d!.id))).toMatchObject({ status: "countered", answeredByVersionId: draft.id });
  });
});

describe("a draft that removes clause 2.1, under review", () => {
  it("names the listings it puts at risk and the demand it answers", async () => {
    const [d] = await listDemands(t.db, "alexa");
    const doc = await getVersionDocument(t.db, d!.answeredByVersionId!);
    const clauses = doc.clauses
      .filter((c) => c.clauseKey !== "2.1")
      .map((c) => ({ clauseKey: c.clauseKey, title: c.title, legalText: c.legalText, terms: c.terms }));
    clauses.push({
      clauseKey: "2.5",
      title: "Occupancy",
      legalText: "Occupancy as it changes.",
      terms: {
        kind: "data_share",
        category: "user.device.sensor.occupancy",
        modes: ["proactive"],
        purposes: ["functional.service.automation"],
        retentionDays: 7,
        minimisation: {},
        optInRequired: true,
      },
    });
    await saveDraftVersion(
      t.db,
      { versionId: doc.versionId, summary: "Occupancy, no temperature", effectiveFrom: new Date(NOW.getTime() + 30 * DAY), expiresAt: null, clauses },
      { userId: manager },
    );
    await submitVersionForReview(t.db, { versionId: doc.versionId, userId: manager });
    const review = await getVersionReview(t.db, doc.versionId, NOW);
    expect(review.listingsAtRisk.map((l) => l.sku).sort()).toEqual(["L1-US", "S1-US", "T1-EU", "T1-US"]);
    expect(review.listingsAtRisk.every((l) => l.removedClauses.includes("2.1"))).toBe(true);
    expect(review.answersDemands.map((x) => x.id)).toEqual([d!.id]);
  });
});

describe("conflicts and alerts", () => {
  it("counts the linked homes that have not opted in to what a programme or a demand requires", async () => {
    const conflicts = await findConflicts(t.db, "alexa", NOW);
    const lock = conflicts.find((c) => c.source === "Works with Alexa" && c.category === "user.device.sensor.lock_state")!;
    const linked = Number(
      (
        (await t.db.execute(sql`select count(*) as n from partner_links where partner_id = 'alexa' and status = 'active'`)) as unknown as {
          rows: { n: string }[];
        }
      ).rows[0]!.n,
    );
    expect(lock.linkedHomes).toBe(linked);
    expect(lock.agreementAllows).toBe(false);
    expect(lock.text).toBe(
      `Works with Alexa requires proactive lock state; ${lock.homesNotOptedIn} of ${linked} linked homes have not opted in, and the agreement in force with Amazon Alexa does not allow it.`,
    );
    expect(conflicts.some((c) => c.source === "Demand (retail listing)" && c.category === "user.device.sensor.occupancy")).toBe(true);
  });

  it("raises certification alerts at 60, 30 and 7 days and on expiry, and demand deadlines, once each", async () => {
    const first = await raiseDueAlerts(t.db, NOW);
    expect(first).toBeGreaterThan(0);
    expect(await raiseDueAlerts(t.db, NOW)).toBe(0);
    const rows = (await t.db.execute(sql`select kind::text, threshold_days, message from alerts order by message`)) as unknown as {
      rows: { kind: string; threshold_days: number; message: string }[];
    };
    // Seeded: the sensor's Works with Alexa certification ends in 45 days, the lock's Google one in 25; the demand is due in 5.
    expect(rows.rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: "certification_expiry",
          threshold_days: 60,
          message: expect.stringMatching(/Works with Alexa certification expires in 45 days/),
        }),
        expect.objectContaining({
          kind: "certification_expiry",
          threshold_days: 30,
          message: expect.stringMatching(/Works with Google Home certification expires in 25 days/),
        }),
        expect.objectContaining({ kind: "demand_deadline", threshold_days: 7 }),
      ]),
    );
    // 20 days on: the lock's certification has 5 days left (the 7-day alert), the sensor's 25 (the 30-day one).
    expect(await raiseDueAlerts(t.db, new Date(NOW.getTime() + 20 * DAY))).toBeGreaterThanOrEqual(2);
    const later = (await t.db.execute(
      sql`select threshold_days, message from alerts where kind = 'certification_expiry' order by threshold_days`,
    )) as unknown as { rows: { threshold_days: number; message: string }[] };
    expect(later.rows.map((r) => r.threshold_days)).toEqual([7, 30, 30, 60]);
    expect(await raiseDueAlerts(t.db, new Date(NOW.getTime() + 20 * DAY))).toBe(0);
  });
});

describe("delivery health", () => {
  it("says when the workers are holding back from a partner that answered 429, and until when", async () => {
    expect((await getDeliveryHealth(t.db, "google-home", NOW)).heldUntil).toBeNull();
    const until = new Date(NOW.getTime() + 30_000);
    await t.pool.query("insert into partner_holds (partner_id, until, reason, at) values ('google-home', $1, '429 (Retry-After: 30)', $2)", [until, NOW]);
    expect(await getDeliveryHealth(t.db, "google-home", NOW)).toMatchObject({ heldUntil: until, holdReason: "429 (Retry-After: 30)" });
    // Over: no hold to speak of.
    expect((await getDeliveryHealth(t.db, "google-home", new Date(NOW.getTime() + 31_000))).heldUntil).toBeNull();
    expect((await getDeliveryHealth(t.db, "alexa", NOW)).heldUntil).toBeNull();
  });
});

describe("a lapsed certification", () => {
  it("makes the engine withhold as the clause says, with that reason, for that model only", async () => {
    const cert = stableId("cert:proviso-l1:works-with-google-home");
    await updateCertification(t.db, { userId: manager, input: { certificationId: cert, status: "expired" } });
    const policy = compileSnapshot(await loadPolicySnapshot(t.db));
    const link = (await t.db.execute(sql`select home_id from partner_links where partner_id = 'google-home' and status = 'active' limit 1`)) as unknown as {
      rows: { home_id: string }[];
    };
    const ask = (modelKey: string) =>
      decideShare(policy, {
        partnerId: "google-home",
        homeId: link.rows[0]!.home_id,
        modelKey,
        category: "user.device.sensor.lock_state",
        mode: "on_request",
        purpose: "functional.service.fulfil_request",
        at: NOW.getTime(),
        properties: { lockState: "locked" },
      });
    expect(ask("proviso-l1").reasons.map((r) => r.code)).toContain("CERTIFICATION_LAPSED");
    expect(ask("proviso-l1").outcome).toBe("withhold");
    expect(ask("proviso-t1").reasons.map((r) => r.code)).not.toContain("CERTIFICATION_LAPSED");
    await updateCertification(t.db, { userId: manager, input: { certificationId: cert, status: "certified" } });
    const [row] = await t.db.select().from(certifications).where(eq(certifications.id, cert));
    expect(row!.status).toBe("certified");
  });
});

describe("what-if replay", () => {
  it("replays recorded changes exactly: the consent each change saw, the version in force, and the draft in its place", async () => {
    const [d] = await listDemands(t.db, "alexa");
    const versionId = d!.answeredByVersionId!;
    // Recorded history: a thermostat of an Alexa-linked home reports temperature over 10 days;
    // the homeowner turns Alexa's temperature off on day 5.
    const [home] = (
      (await t.db.execute(sql`
      select l.home_id, d.id as device_id from partner_links l join devices d on d.home_id = l.home_id join device_models m on m.id = d.model_id
       where l.partner_id = 'alexa' and l.status = 'active' and m.kind = 'thermostat' order by l.home_id limit 1`)) as unknown as {
        rows: { home_id: string; device_id: string }[];
      }
    ).rows;
    const base = NOW.getTime() - 10 * DAY;
    await t.db.insert(consents).values({
      homeId: home!.home_id,
      partnerId: "alexa",
      categoryKey: "user.device.sensor.temperature",
      mode: "on_request",
      version: 100,
      setAt: new Date(base - DAY),
    });
    await t.db.insert(consents).values({
      homeId: home!.home_id,
      partnerId: "alexa",
      categoryKey: "user.device.sensor.temperature",
      mode: "off",
      version: 101,
      setAt: new Date(base + 5 * DAY),
    });
    await t.db.insert(stateEvents).values(
      Array.from({ length: 10 }, (_, i) => ({
        deviceId: home!.device_id,
        homeId: home!.home_id,
        seq: i + 1,
        observedAt: new Date(base + i * DAY + 3_600_000),
        cause: "periodic" as const,
        properties: { temperature: 20 + i },
      })),
    );
    await requestReplay(t.db, { versionId, days: 30, userId: manager });
    const job = await claimReplayJob(t.db);
    expect(await claimReplayJob(t.db)).toBeNull();
    const ledgerBefore = await t.db.$count(decisions);
    const r = await runReplayJob(t.db as Database, job!, NOW, 3);
    expect(r.events).toBe(10);
    // A replay decides in memory: nothing of it reaches the ledger.
    expect(await t.db.$count(decisions)).toBe(ledgerBefore);
    const onRequest = r.rows.find((x) => x.category === "user.device.sensor.temperature" && x.mode === "on_request")!;
    // Before day 5, on request: allowed by v1 clause 2.1 and the consent then; after, consent off.
    expect(onRequest).toMatchObject({ decisions: 10, sentBefore: 5, sentAfter: 0, startsFlowing: 0, stopsFlowing: 5 });
    const proactive = r.rows.find((x) => x.category === "user.device.sensor.temperature" && x.mode === "proactive")!;
    expect(proactive).toMatchObject({ sentBefore: 0, sentAfter: 0 });
    const stored = (await t.db.execute(sql`select status::text, processed, total from replay_jobs where id = ${job!.id}`)) as unknown as {
      rows: { status: string; processed: string; total: string }[];
    };
    expect(stored.rows[0]).toMatchObject({ status: "done" });
    expect(Number(stored.rows[0]!.processed)).toBe(10);
    expect(Number(stored.rows[0]!.total)).toBe(10);
  });

  it("leaves the chain verifiable after all of it", async () => {
    await t.db.transaction((tx) => appendAudit(tx, { action: "test.end", entityType: "test", entityId: "leverage", details: {} }));
    const report = await verifyChain(t.db);
    expect(report.failure).toBeNull();
    expect(report.ok).toBe(true);
    expect(report.entries).toBeGreaterThan(0);
  });
});
