// Incremental verification: from the last checkpoint a verification found good, only what came
// after — and a mark that no longer holds (the chain rewritten behind it) sends it back to the
// start, where the rewrite is named. On both backends.
import { appendAudit, createCheckpoint, keyring, lastVerified, signerFromSeed, verifySinceLastVerified, entryHash } from "@proviso/audit";
import { auditLog, type Executor } from "@proviso/db";
import { availableBackends, createTestDatabase, type TestDatabase } from "@proviso/db/testing";
import { seed } from "@proviso/seed";
import { asc, gt, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NOW, rolledBack } from "./testing/ledger-fixtures";

const signer = signerFromSeed(Buffer.alloc(32, 7).toString("base64"));
const trusted = keyring([signer.publicKey]);
const append = (db: Executor, id: string) =>
  appendAudit(db, { action: "consent.changed", entityType: "consent", entityId: id, details: { mode: "proactive" } });

for (const backend of availableBackends()) {
  describe(`incremental verification (${backend})`, () => {
    let t: TestDatabase;
    beforeAll(async () => {
      t = await createTestDatabase(backend);
      await seed(t.db, { homes: 2, now: NOW });
      await createCheckpoint(t.db, signer, NOW, { trusted });
    });
    afterAll(async () => t?.drop());

    it("verifies the whole chain once, then only what came after the checkpoint it left off at", async () => {
      expect(await lastVerified(t.db, trusted)).toBeNull();
      const whole = await verifySinceLastVerified(t.db, { signer, trusted });
      expect(whole).toMatchObject({ ok: true, since: null, from: 1 });
      const mark = (await lastVerified(t.db, trusted))!;
      expect(mark.uptoSeq).toBe(whole.to);
      for (let i = 0; i < 3; i++) await t.db.transaction((tx) => append(tx, `day-${i}`));
      await createCheckpoint(t.db, signer, new Date(NOW.getTime() + 60_000), { trusted });
      const day = await verifySinceLastVerified(t.db, { signer, trusted });
      expect(day).toMatchObject({ ok: true, since: mark.uptoSeq, from: mark.uptoSeq + 1, entries: 3 });
      expect((await lastVerified(t.db, trusted))!.uptoSeq).toBe(mark.uptoSeq + 3);
      // Now and then a whole one: from the start whatever the mark says.
      expect(await verifySinceLastVerified(t.db, { signer, trusted, whole: true })).toMatchObject({ ok: true, since: null, from: 1 });
    });

    it("trusts no mark it did not sign: one written by hand into app_meta sends it back to the start", async () => {
      const mark = (await lastVerified(t.db, trusted))!;
      await rolledBack(t, async (tx) => {
        await tx.execute(
          sql`update app_meta set value = ${JSON.stringify({ ...mark, verifiedAt: "2030-01-01T00:00:00.000Z" })}::jsonb where key = 'audit.verified_checkpoint'`,
        );
        expect(await lastVerified(tx, trusted)).toBeNull();
        expect((await verifySinceLastVerified(tx, { signer: null, trusted })).since).toBeNull();
      });
    });

    it("catches what is altered after the mark, and goes back to the start when the chain was rewritten behind it", async () => {
      const mark = (await lastVerified(t.db, trusted))!;
      await t.db.transaction((tx) => append(tx, "after"));
      await rolledBack(t, async (tx) => {
        await tx.execute(sql`alter table audit_log disable trigger audit_log_append_only`);
        await tx.execute(sql`update audit_log set details = '{"mode": "off"}' where seq = ${mark.uptoSeq + 1}`);
        const r = await verifySinceLastVerified(tx, { signer, trusted });
        expect(r.failure).toMatchObject({ kind: "entry_hash", seq: mark.uptoSeq + 1 });
      });
      // The very entry it left off at, altered without re-hashing: the mark no longer holds, so all is verified and it is named.
      await rolledBack(t, async (tx) => {
        await tx.execute(sql`alter table audit_log disable trigger audit_log_append_only`);
        await tx.execute(sql`update audit_log set details = '{"mode": "off"}' where seq = ${mark.uptoSeq}`);
        expect(await lastVerified(tx, trusted)).toBeNull();
        const r = await verifySinceLastVerified(tx, { signer, trusted });
        expect(r).toMatchObject({ since: null, failure: { kind: "entry_hash", seq: mark.uptoSeq } });
      });
      await rolledBack(t, async (tx) => {
        await tx.execute(sql`alter table audit_log disable trigger audit_log_append_only`);
        await tx.execute(sql`alter table audit_head disable trigger audit_head_forward_only`);
        // Entry #2 rewritten and every hash after it recomputed, the head too: the mark's entry no longer has its signed hash.
        const entries = await tx.select().from(auditLog).where(gt(auditLog.seq, 1)).orderBy(asc(auditLog.seq));
        let prev = entries[0]!.prevHash;
        for (const e of entries) {
          const details = e.seq === 2 ? { ...e.details, forged: true } : e.details;
          const hash = entryHash(prev, { ...e, details });
          await tx.execute(sql`update audit_log set details = ${JSON.stringify(details)}::jsonb, prev_hash = ${prev}, hash = ${hash} where seq = ${e.seq}`);
          prev = hash;
        }
        await tx.execute(sql`update audit_head set hash = ${prev}`);
        expect(await lastVerified(tx, trusted)).toBeNull();
        const r = await verifySinceLastVerified(tx, { signer, trusted });
        expect(r.since).toBeNull();
        expect(r.failure).toMatchObject({ kind: "checkpoint", seq: 1 });
      });
    });
  });
}
