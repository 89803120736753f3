// A partner confirms what it deleted (its own requests only, once); a request past its deadline
// unconfirmed becomes overdue, with an alert and an entry on the chain, and legal's report says so.
import { createTestDatabase, type TestDatabase } from "@proviso/db/testing";
import { seed, stableId } from "@proviso/seed";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDecisionReport } from "../evidence/decision-report";
import { unlinkPartner } from "../homes/unlink-partner";
import { confirmDeletion, listPartnerDeletionRequests, markOverdueDeletions } from "./deletion-requests";

let t: TestDatabase;
const home = stableId("home:0");
const owner = stableId("user:homeowner@proviso.test");
const googleStaff = stableId("user:google@partners.proviso.test");
const now = new Date("2026-11-24T12:00:00Z");

beforeAll(async () => {
  t = await createTestDatabase();
  await seed(t.db, { homes: 2, now });
});
afterAll(() => t?.close());

describe("deletion requests", () => {
  it("are confirmed by the partner's own staff only, once, with their reference on the chain", async () => {
    const google = await unlinkPartner(t.db, { userId: owner, homeId: home, partnerId: "google-home", now });
    const alexa = await unlinkPartner(t.db, { userId: owner, homeId: home, partnerId: "alexa", now });
    expect((await listPartnerDeletionRequests(t.db, "google-home")).map((r) => r.id)).toContain(google.deletionRequestId);
    expect((await listPartnerDeletionRequests(t.db, "google-home")).map((r) => r.id)).not.toContain(alexa.deletionRequestId);
    // Google's staff cannot confirm Alexa's.
    await expect(
      confirmDeletion(t.db, { partnerId: "google-home", userId: googleStaff, requestId: alexa.deletionRequestId, note: "", now }),
    ).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    const done = await confirmDeletion(t.db, {
      partnerId: "google-home",
      userId: googleStaff,
      requestId: google.deletionRequestId,
      note: " ticket G-42 ",
      now,
    });
    expect(done.status).toBe("confirmed");
    await expect(
      confirmDeletion(t.db, { partnerId: "google-home", userId: googleStaff, requestId: google.deletionRequestId, note: "", now }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
    });
    const [row] = (await t.pool.query("select status, confirmed_by, confirmation_note from deletion_requests where id = $1", [google.deletionRequestId])).rows;
    expect(row).toEqual({ status: "confirmed", confirmed_by: googleStaff, confirmation_note: "ticket G-42" });
    const entries = (await t.pool.query("select action, actor_id from audit_log where entity_id = $1", [google.deletionRequestId])).rows;
    expect(entries).toEqual([{ action: "deletion.confirmed", actor_id: googleStaff }]);
  });

  it("past the deadline unconfirmed, become overdue: an alert, an entry on the chain, a line in legal's report", async () => {
    const [alexa] = (await t.pool.query("select id, deadline from deletion_requests where status = 'pending'")).rows;
    expect(await markOverdueDeletions(t.db, new Date(alexa.deadline.getTime() - 1000))).toBe(0);
    expect(await markOverdueDeletions(t.db, new Date(alexa.deadline.getTime() + 1000))).toBe(1);
    // Idempotent: a second pass finds nothing more.
    expect(await markOverdueDeletions(t.db, new Date(alexa.deadline.getTime() + 2000))).toBe(0);
    expect((await t.pool.query("select status from deletion_requests where id = $1", [alexa.id])).rows[0].status).toBe("overdue");
    const alert = (await t.pool.query("select kind, partner_id, message from alerts where subject_id = $1", [alexa.id])).rows;
    expect(alert).toEqual([{ kind: "deletion_deadline", partner_id: "alexa", message: expect.stringContaining("Amazon Alexa has not confirmed") }]);
    expect((await t.pool.query("select action from audit_log where entity_id = $1", [alexa.id])).rows).toEqual([{ action: "deletion.overdue" }]);
    const report = await getDecisionReport(t.db, { from: "2026-11-24", to: "2026-11-24" });
    expect(report.deletions).toMatchObject({ total: 2, confirmed: 1, overdue: [expect.objectContaining({ id: alexa.id, partnerName: "Amazon Alexa" })] });
  });
});
