// An agreement version's life on a real database: drafted from the one in force, edited with the
// server's validation, submitted, reviewed under the two-person rule, activated on its effective
// date by the scheduler, and enforced by the engine from then on.
import { consents } from "@proviso/db";
import { createTestDatabase, type TestDatabase } from "@proviso/db/testing";
import { compileSnapshot, decideShare } from "@proviso/policy";
import { seed, stableId } from "@proviso/seed";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../errors";
import { loadPolicySnapshot } from "@proviso/snapshot";
import { createDraftVersion, saveDraftVersion, submitVersionForReview } from "./draft-versions";
import { getVersionDocument } from "./read-versions";
import { getVersionReview } from "./get-version-review";
import { renderVersionPdf } from "./version-pdf";
import { decideVersionReview } from "./review-versions";
import { activateDueVersions, terminateVersion } from "./version-schedule";

const DAY = 86_400_000;
// Today at midnight, not a fixed date: the scheduler's activation (NOW + 6 days) must come after
// the drafting and review, which are recorded at the real time (a fixed date in the past put the
// activation before them once the calendar passed it).
const NOW = new Date(Math.floor(Date.now() / DAY) * DAY);
const LOCK = "user.device.sensor.lock_state";
const manager = stableId("user:manager@proviso.test");
const legal = stableId("user:legal@proviso.test");
const legal2 = stableId("user:legal2@proviso.test");
const home0 = stableId("home:0");
const alexaAgreement = stableId("agreement:alexa");

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await seed(t.db, { now: NOW, homes: 20 });
});
afterAll(async () => t?.drop());

async function expectAppError(p: Promise<unknown>, code: string) {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
  return err as AppError;
}

const lockClause = {
  clauseKey: "2.6",
  title: "Sharing of lock state",
  legalText: "The Maker shall report lock state to the Platform whenever it changes, for customers who enable it.",
  terms: {
    kind: "data_share",
    category: LOCK,
    modes: ["on_request", "proactive"],
    purposes: ["functional.service.fulfil_request", "functional.service.automation"],
    retentionDays: 7,
    minimisation: {},
    optInRequired: true,
  },
};

describe("agreement version lifecycle", () => {
  let draftId = "";

  it("drafts a new version from the one in force, clauses and all", async () => {
    const draft = await createDraftVersion(t.db, { agreementId: alexaAgreement, authorId: manager });
    draftId = draft.id;
    expect(draft).toMatchObject({ status: "draft", version: 3, basedOnId: stableId("version:alexa:1") });
    const doc = await getVersionDocument(t.db, draftId);
    expect(doc.clauses.map((c) => c.clauseKey)).toEqual(["1.1", "2.1", "2.2", "2.3", "4.1", "5.1", "6.1"]);
    expect(doc.events.map((e) => e.to)).toEqual(["draft"]);
  });

  it("refuses invalid terms with field-level errors, and loses nothing already saved", async () => {
    const doc = await getVersionDocument(t.db, draftId);
    const clauses = doc.clauses.map(({ kind: _k, ...c }) => c);
    const bad = [...clauses, { ...lockClause, terms: { ...lockClause.terms, modes: [], category: "user.device.sensor.mood" } }];
    const err = await expectAppError(
      saveDraftVersion(t.db, { versionId: draftId, summary: "x", effectiveFrom: NOW, expiresAt: null, clauses: bad }, { userId: manager }),
      "INVALID",
    );
    expect(Object.keys(err.fieldErrors!).sort()).toEqual(["clauses.7.terms.category", "clauses.7.terms.modes"]);
    expect(err.fieldErrors!["clauses.7.terms.modes"]).toEqual(["Allow at least one mode"]);
    const duplicate = await expectAppError(
      saveDraftVersion(
        t.db,
        {
          versionId: draftId,
          summary: "x",
          effectiveFrom: NOW,
          expiresAt: new Date(NOW.getTime() - DAY),
          clauses: [...clauses, { ...lockClause, clauseKey: "2.1" }],
        },
        { userId: manager },
      ),
      "INVALID",
    );
    expect(duplicate.fieldErrors).toEqual({
      "clauses.7.clauseKey": ["Clause 2.1 appears twice"],
      expiresAt: ["The expiry must come after the effective date"],
    });
    expect((await getVersionDocument(t.db, draftId)).clauses).toHaveLength(7);
  });

  it("saves the draft with proactive lock state and submits it", async () => {
    const doc = await getVersionDocument(t.db, draftId);
    const clauses = [...doc.clauses.map(({ kind: _k, ...c }) => c), lockClause];
    await saveDraftVersion(
      t.db,
      {
        versionId: draftId,
        summary: "Proactive lock state for Alexa routines.",
        effectiveFrom: new Date(NOW.getTime() + 5 * DAY),
        expiresAt: null,
        clauses,
      },
      { userId: manager },
    );
    const submitted = await submitVersionForReview(t.db, { versionId: draftId, userId: manager });
    expect(submitted.status).toBe("in_review");
    // Submitted twice (a double click): the second is refused, not applied twice.
    await expectAppError(submitVersionForReview(t.db, { versionId: draftId, userId: manager }), "CONFLICT");
    await expectAppError(
      saveDraftVersion(t.db, { versionId: draftId, summary: "", effectiveFrom: NOW, expiresAt: null, clauses }, { userId: manager }),
      "CONFLICT",
    );
  });

  it("shows legal the redline and the enforcement impact", async () => {
    const review = await getVersionReview(t.db, draftId, NOW);
    expect(review.base?.version).toBe(1);
    const changed = review.redline.filter((r) => r.change !== "unchanged").map((r) => [r.clauseKey, r.change]);
    expect(changed).toEqual([["2.6", "added"]]);
    const lock = review.impact.rows.filter((r) => r.category === LOCK);
    expect(lock.map((r) => r.mode)).toEqual(["on_request", "proactive"]);
    // The terms open lock state for every linked lock; nothing flows before homeowners opt in.
    expect(lock.every((r) => r.devicesOpenedByTerms > 0 && r.devicesStarting === 0)).toBe(true);
    expect(review.impact.linkedHomes).toBeGreaterThan(5);
  });

  it("lets no one but legal approve, and never the author (two-person rule)", async () => {
    await expectAppError(decideVersionReview(t.db, { versionId: draftId, reviewerId: manager, decision: "approved", comment: "" }), "FORBIDDEN");
    // A version drafted by a legal user cannot be approved by that same user.
    const google = await createDraftVersion(t.db, { agreementId: stableId("agreement:google-home"), authorId: legal2 });
    const doc = await getVersionDocument(t.db, google.id);
    await saveDraftVersion(
      t.db,
      {
        versionId: google.id,
        summary: "Retention down to 14 days.",
        effectiveFrom: new Date(NOW.getTime() + 10 * DAY),
        expiresAt: null,
        clauses: doc.clauses.map(({ kind: _k, ...c }) => c),
      },
      { userId: legal2 },
    );
    await submitVersionForReview(t.db, { versionId: google.id, userId: legal2 });
    const err = await expectAppError(
      decideVersionReview(t.db, { versionId: google.id, reviewerId: legal2, decision: "approved", comment: "fine" }),
      "FORBIDDEN",
    );
    expect(err.message).toMatch(/two-person rule/);
    await expectAppError(decideVersionReview(t.db, { versionId: google.id, reviewerId: legal, decision: "rejected", comment: " " }), "INVALID");
    expect((await decideVersionReview(t.db, { versionId: google.id, reviewerId: legal, decision: "rejected", comment: "Keep 30 days." })).status).toBe(
      "rejected",
    );
  });

  it("never lets a legal user approve alone a manager's draft they edited or submitted: the chain names who handled it", async () => {
    const draft = await createDraftVersion(t.db, { agreementId: stableId("agreement:smartthings"), authorId: manager });
    const doc = await getVersionDocument(t.db, draft.id);
    // Legal rewrites the manager's draft and submits it…
    await saveDraftVersion(
      t.db,
      {
        versionId: draft.id,
        summary: "Rewritten by legal.",
        effectiveFrom: new Date(NOW.getTime() + 20 * DAY),
        expiresAt: null,
        clauses: doc.clauses.map(({ kind: _k, ...c }) => c),
      },
      { userId: legal },
    );
    await submitVersionForReview(t.db, { versionId: draft.id, userId: legal });
    // …and cannot approve it: they are not the author, but the chain says they edited and submitted it.
    const err = await expectAppError(decideVersionReview(t.db, { versionId: draft.id, reviewerId: legal, decision: "approved", comment: "mine" }), "FORBIDDEN");
    expect(err.message).toMatch(/edited or submitted this version/);
    const handled = (
      await t.pool.query("select action, actor_id from audit_log where entity_type = 'agreement_version' and entity_id = $1 order by seq", [draft.id])
    ).rows.map((r) => [r.action, r.actor_id]);
    expect(handled).toEqual([
      ["agreement_version.drafted", manager],
      ["agreement_version.edited", legal],
      ["agreement_version.in_review", legal],
    ]);
    // A second legal user, who touched nothing, can.
    expect((await decideVersionReview(t.db, { versionId: draft.id, reviewerId: legal2, decision: "approved", comment: "Read it." })).status).toBe("approved");
  });

  it("activates on the effective date, supersedes v1, and the engine decides by the new terms", async () => {
    await t.db.insert(consents).values({ homeId: home0, partnerId: "alexa", categoryKey: LOCK, mode: "proactive", version: 1 });
    const lockReport = (at: Date) => ({
      partnerId: "alexa",
      homeId: home0,
      modelKey: "proviso-l1",
      category: LOCK,
      mode: "proactive" as const,
      purpose: "functional.service.fulfil_request",
      at: at.getTime(),
      properties: { lockState: "LOCKED" },
    });
    const beforeApproval = compileSnapshot(await loadPolicySnapshot(t.db));
    expect(decideShare(beforeApproval, lockReport(new Date(NOW.getTime() + 6 * DAY))).reasons.map((r) => r.code)).toEqual(["CATEGORY_NOT_COVERED"]);

    const approved = await decideVersionReview(t.db, { versionId: draftId, reviewerId: legal, decision: "approved", comment: "Agreed." });
    expect(approved.status).toBe("approved");
    // Before its effective date nothing moves, and v1 still governs.
    expect((await activateDueVersions(t.db, new Date(NOW.getTime() + DAY))).activated).toEqual([]);
    const snapshot = compileSnapshot(await loadPolicySnapshot(t.db));
    expect(decideShare(snapshot, lockReport(new Date(NOW.getTime() + DAY))).outcome).toBe("withhold");

    const moved = await activateDueVersions(t.db, new Date(NOW.getTime() + 6 * DAY));
    expect(moved).toMatchObject({ activated: [draftId], superseded: [stableId("version:alexa:1")] });
    expect((await activateDueVersions(t.db, new Date(NOW.getTime() + 6 * DAY))).activated).toEqual([]); // idempotent

    const after = compileSnapshot(await loadPolicySnapshot(t.db));
    const decision = decideShare(after, lockReport(new Date(NOW.getTime() + 6 * DAY)));
    expect(decision.outcome).toBe("send");
    expect(decision.agreementVersionId).toBe(draftId);
    expect(decision.clauseKeys).toEqual(["2.6"]);
    // Reports observed before the effective date are still judged by v1.
    expect(decideShare(after, lockReport(new Date(NOW.getTime() + DAY))).outcome).toBe("withhold");

    const doc = await getVersionDocument(t.db, draftId);
    expect(doc.events.map((e) => `${e.from ?? "∅"}→${e.to}:${e.actorName ?? "scheduler"}`)).toEqual([
      "∅→draft:Maya Patel",
      "draft→in_review:Maya Patel",
      "in_review→approved:Lena Okafor",
      "approved→active:scheduler",
    ]);
    expect(doc.signoffs).toMatchObject([{ decision: "approved", name: "Lena Okafor", comment: "Agreed." }]);
    expect((await getVersionDocument(t.db, stableId("version:alexa:1"))).status).toBe("superseded");
  });

  it("renders any version as a PDF", async () => {
    const pdf = await renderVersionPdf(await getVersionDocument(t.db, draftId));
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    expect(pdf.length).toBeGreaterThan(2_000);
  });

  it("stops sharing once a version is terminated", async () => {
    const at = new Date(NOW.getTime() + 8 * DAY);
    await terminateVersion(t.db, { versionId: draftId, userId: legal, reason: "Breach of clause 2.6", at });
    const snapshot = compileSnapshot(await loadPolicySnapshot(t.db));
    const d = decideShare(snapshot, {
      partnerId: "alexa",
      homeId: home0,
      modelKey: "proviso-l1",
      category: LOCK,
      mode: "on_request",
      purpose: "functional.service.fulfil_request",
      at: at.getTime() + 1,
      properties: { lockState: "LOCKED" },
    });
    expect(d.reasons.map((r) => r.code)).toContain("NO_AGREEMENT_IN_FORCE");
  });
});
