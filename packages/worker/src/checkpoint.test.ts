// The scheduler's evidence ticks: a checkpoint refused and a scheduled verification that fails
// each become an alert for legal and a count for the metrics, never silence.
import { appendAudit, createCheckpoint, keyring, signerFromSeed } from "@proviso/audit";
import { listIntegrityAlerts } from "@proviso/core";
import { createTestDatabase, type TestDatabase } from "@proviso/db/testing";
import { seed } from "@proviso/seed";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signCheckpoint, verifyTick } from "./checkpoint";

const signer = signerFromSeed(Buffer.alloc(32, 7).toString("base64"));
const trusted = keyring([signer.publicKey]);
const now = new Date("2026-11-24T12:00:00Z");
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
  await seed(t.db, { homes: 1, now });
  await createCheckpoint(t.db, signer, now, { trusted });
});
afterAll(async () => t?.drop());

describe("evidence ticks", () => {
  it("alert legal and count when the chain was rewritten: the verification fails, the next checkpoint is refused", async () => {
    const quiet = { info: () => {}, warn: () => {} };
    const failures: string[] = [];
    await verifyTick(t.db, { signer, trusted, witnesses: [], authorities: [], now, ...quiet, onFailed: () => failures.push("verification") });
    expect(failures).toEqual([]);
    // New entries since; a superuser then rewrites one of them.
    for (const id of ["a", "b"])
      await t.db.transaction((tx) => appendAudit(tx, { action: "consent.changed", entityType: "consent", entityId: id, details: { mode: "on_request" } }));
    await t.pool.query("alter table audit_log disable trigger audit_log_append_only");
    await t.pool.query("update audit_log set details = '{}' where entity_id = 'a' and action = 'consent.changed'");
    await t.pool.query("alter table audit_log enable trigger audit_log_append_only");
    await verifyTick(t.db, { signer, trusted, witnesses: [], authorities: [], now, ...quiet, onFailed: () => failures.push("verification") });
    await signCheckpoint(t.db, { signer, trusted, witnesses: [], authorities: [], now, ...quiet, onRefused: () => failures.push("checkpoint") });
    expect(failures).toEqual(["verification", "checkpoint"]);
    const alerts = (await listIntegrityAlerts(t.db)).map((a) => a.message);
    expect(alerts).toHaveLength(2);
    expect(alerts).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Verification failed at entry #\d+: entry #\d+ .* was altered/),
        expect.stringMatching(/^Checkpoint refused: /),
      ]),
    );
  });
});
