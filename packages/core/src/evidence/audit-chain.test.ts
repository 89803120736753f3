// The tamper-evident record (packages/audit), proven against the real database (embedded, and PostgreSQL when
// DATABASE_URL is set): every kind of direct tampering with entries, decisions or checkpoints is
// caught and the first failing entry is named. Each tamper runs in a transaction that is rolled
// back, so the tests share one chain.
import { auditLog, type Executor } from "@proviso/db";
import { availableBackends, createTestDatabase, type TestDatabase } from "@proviso/db/testing";
import { seed, stableId } from "@proviso/seed";
import { desc, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimVerification, latestVerification, requestVerification, runVerification } from "./audit-log";
import { NOW, rolledBack, row } from "./testing/ledger-fixtures";
import {
  appendAudit,
  checkSignature,
  createCheckpoint,
  entryHash,
  proveDecisions,
  rootFromProof,
  sealDecisions,
  keyring,
  signerFromSeed,
  verifyChain,
  type VerifyReport,
} from "@proviso/audit";

const signer = signerFromSeed(Buffer.alloc(32, 7).toString("base64"));
const trusted = keyring([signer.publicKey]);

/** The decision set holding decision `id`, and the decision's place in its arrays (1-based, as SQL counts). */
const setOf = (id: number) => sql`(select id from decision_sets where id <= ${id} order by id desc limit 1)`;
const slot = (id: number) => sql`(${id}::bigint - ${setOf(id)} + 1)::int`;

/**
 * What a forger does to flip a withheld decision to "sent": point it at a kind that says so (a new
 * one, as the stored ones are shared) and give it the values, in its set's arrays.
 */
const flipToSend = (tx: Executor, id: number) =>
  tx.execute(sql`
    with k as (
      insert into decision_kinds (id, partner_id, category_key, mode, stage, outcome, reasons, agreement_version_id, clause_keys, consent_version)
      select 4242, partner_id, category_key, mode, stage, 'send', reasons, agreement_version_id, clause_keys, consent_version
        from decision_kinds where id = (select kind_ids[${slot(id)}] from decision_sets where id = ${setOf(id)})
      returning id)
    update decision_sets set kind_ids[${slot(id)}] = (select id from k),
           sent_properties = jsonb_set(sent_properties::jsonb, array[(${slot(id)} - 1)::text], '{"temperature": 21}')
     where id = ${setOf(id)}`);

for (const backend of availableBackends()) {
  describe(`the audit chain (${backend})`, () => {
    let t: TestDatabase;
    const batches: { batch: number; ids: number[]; seq: number }[] = [];
    let consentSeq = 0;

    beforeAll(async () => {
      t = await createTestDatabase(backend);
      await seed(t.db, { homes: 3, now: NOW });
      for (let b = 0; b < 3; b++) {
        const r = await t.db.transaction((tx) =>
          sealDecisions(
            tx,
            Array.from({ length: 5 }, (_, i) => row(b * 5 + i, i % 2 ? "withhold" : "send")),
            { stage: "change" },
          ),
        );
        batches.push({ batch: r!.batch, ids: r!.ids, seq: r!.entry.seq });
        const [e] = await t.db.transaction((tx) =>
          appendAudit(tx, {
            actorId: null,
            action: "consent.changed",
            entityType: "consent",
            entityId: `c${b}`,
            details: { mode: "proactive", version: b + 1 },
          }),
        );
        consentSeq = e!.seq;
      }
      await createCheckpoint(t.db, signer, NOW);
      // One more entry after the checkpoint, so a truncated tail is provable.
      await t.db.transaction((tx) => appendAudit(tx, { action: "consent.changed", entityType: "consent", entityId: "tail", details: { mode: "off" } }));
    });
    afterAll(async () => t?.drop());

    /** Tampers as someone with direct database access would (triggers off), verifies, rolls back. */
    async function tampered(change: (tx: Executor) => Promise<unknown>, opts: Parameters<typeof verifyChain>[1] = {}): Promise<VerifyReport> {
      let report: VerifyReport | undefined;
      await rolledBack(t, async (tx) => {
        await tx.execute(sql`alter table decision_sets disable trigger decision_sets_append_only`);
        await tx.execute(sql`alter table decision_kinds disable trigger decision_kinds_append_only`);
        await tx.execute(sql`alter table audit_log disable trigger audit_log_append_only`);
        await tx.execute(sql`alter table audit_checkpoints disable trigger audit_checkpoints_append_only`);
        await tx.execute(sql`alter table audit_head disable trigger audit_head_forward_only`);
        await change(tx);
        report = await verifyChain(tx, { trusted, ...opts });
      });
      return report!;
    }

    it("verifies the untouched chain: seed entries, sealed batches, admin changes and the checkpoint", async () => {
      const r = await verifyChain(t.db, { trusted });
      expect(r.failure).toBeNull();
      expect(r.ok).toBe(true);
      expect(r.batches).toBe(3);
      expect(r.decisions).toBe(15);
      expect(r.checkpoints).toBe(1);
      expect(r.entries).toBe(r.to);
    });

    it("refuses UPDATE and DELETE on decisions and on the log (append-only triggers)", async () => {
      await expect(t.pool.query(`update decision_sets set sent_properties = '[null, null]' where id = ${batches[0]!.ids[0]!}`)).rejects.toThrow(/append-only/);
      await expect(t.pool.query(`delete from decision_sets where id = ${batches[0]!.ids[0]!}`)).rejects.toThrow(/append-only/);
      await expect(t.pool.query(`update decision_kinds set outcome = 'send'`)).rejects.toThrow(/append-only/);
      await expect(t.pool.query(`update decisions set outcome = 'send' where id = ${batches[0]!.ids[1]!}`)).rejects.toThrow();
      await expect(t.pool.query(`delete from audit_log where seq = 1`)).rejects.toThrow(/append-only/);
      await expect(t.pool.query(`update audit_log set details = '{}' where seq = 1`)).rejects.toThrow(/append-only/);
    });

    it("catches an altered decision and names the entry that seals it", async () => {
      const r = await tampered((tx) => flipToSend(tx, batches[1]!.ids[1]!));
      expect(r.ok).toBe(false);
      expect(r.failure).toMatchObject({ kind: "batch_root", seq: batches[1]!.seq });
    });

    it("catches a decision's sent values altered alone, its kind untouched: only the batch's Merkle root can", async () => {
      const sent = batches[1]!.ids[0]!;
      const r = await tampered((tx) =>
        tx.execute(sql`update decision_sets set sent_properties = jsonb_set(sent_properties::jsonb, array[(${slot(sent)} - 1)::text], '{"temperature": 99}')
                        where id = ${setOf(sent)}`),
      );
      expect(r.failure).toMatchObject({ kind: "batch_root", seq: batches[1]!.seq });
      expect(r.failure!.message).toMatch(/a decision in it was altered or moved/);
    });

    it("catches two sets of one size swapped between batches (counts and kinds as sealed): only the roots can", async () => {
      // A set of the first batch and one of the second with as many decisions in each.
      const [pair] = (
        await t.pool.query(
          `select a.id as a, b.id as b from decision_sets a join decision_sets b on cardinality(b.kind_ids) = cardinality(a.kind_ids)
            where a.audit_batch = $1 and b.audit_batch = $2 order by a.id, b.id limit 1`,
          [batches[0]!.batch, batches[1]!.batch],
        )
      ).rows;
      const [a, b] = [Number(pair.a), Number(pair.b)];
      const r = await tampered(async (tx) => {
        await tx.execute(sql`update decision_sets set audit_batch = -1 where id = ${a}`);
        await tx.execute(sql`update decision_sets set audit_batch = ${batches[0]!.batch} where id = ${b}`);
        await tx.execute(sql`update decision_sets set audit_batch = ${batches[1]!.batch} where id = ${a}`);
      });
      expect(r.failure).toMatchObject({ kind: "batch_root", seq: batches[0]!.seq });
      expect(r.failure!.message).toMatch(/a decision in it was altered or moved/);
    });

    it("catches an altered decision kind (what many decisions share), at the first batch using it", async () => {
      const r = await tampered((tx) =>
        tx.execute(sql`update decision_kinds set reasons = '[{"code": "CONSENT_GRANTS", "consentVersion": 2}]'
                        where id = (select kind_ids[${slot(batches[1]!.ids[1]!)}] from decision_sets where id = ${setOf(batches[1]!.ids[1]!)})`),
      );
      expect(r.failure).toMatchObject({ kind: "batch_root", seq: batches[0]!.seq });
      expect(r.failure!.message).toMatch(/decision kind \d+ was altered/);
      // Pointing a decision at another kind the batch's entry does not list is caught too.
      const other = await tampered(async (tx) => {
        await tx.execute(sql`insert into decision_kinds (id, partner_id, category_key, mode, stage, outcome, reasons, clause_keys)
                             values (4343, 'alexa', 'user.device.sensor.temperature', 'proactive', 'change', 'send', '[]', '{}')`);
        await tx.execute(sql`update decision_sets set kind_ids[1] = 4343 where id = ${batches[2]!.ids[0]!}`);
      });
      expect(other.failure).toMatchObject({ kind: "batch_root", seq: batches[2]!.seq });
    });

    it("catches a deleted decision: a whole set, or one decision out of its set", async () => {
      const r = await tampered((tx) => tx.execute(sql`delete from decision_sets where id = ${setOf(batches[2]!.ids[4]!)}`));
      expect(r.failure).toMatchObject({ kind: "batch_root", seq: batches[2]!.seq });
      expect(r.failure!.message).toMatch(/5 decisions were sealed, 4 are there now/);
      const one = await tampered((tx) =>
        tx.execute(sql`update decision_sets set kind_ids = kind_ids[1:1], link_ids = link_ids[1:1], sent_properties = jsonb_build_array(sent_properties -> 0)
                        where id = ${batches[2]!.ids[2]!}`),
      );
      expect(one.failure).toMatchObject({ kind: "batch_root", seq: batches[2]!.seq });
      expect(one.failure!.message).toMatch(/5 decisions were sealed, 4 are there now/);
    });

    it("catches reordered decisions (two swap places in their set, or two sets swap ids)", async () => {
      const inSet = await tampered((tx) =>
        tx.execute(sql`update decision_sets set kind_ids = array[kind_ids[2], kind_ids[1]], link_ids = array[link_ids[2], link_ids[1]],
                              sent_properties = jsonb_build_array(sent_properties -> 1, sent_properties -> 0)
                        where id = ${batches[0]!.ids[0]!}`),
      );
      expect(inSet.failure).toMatchObject({ kind: "batch_root", seq: batches[0]!.seq });
      const [a, b] = [batches[0]!.ids[0]!, batches[0]!.ids[2]!];
      const r = await tampered(async (tx) => {
        await tx.execute(sql`update decision_sets set id = -1 where id = ${a}`);
        await tx.execute(sql`update decision_sets set id = ${a} where id = ${b}`);
        await tx.execute(sql`update decision_sets set id = ${b} where id = -1`);
      });
      expect(r.failure).toMatchObject({ kind: "batch_root", seq: batches[0]!.seq });
    });

    it("catches a decision moved into another batch, and a forged decision no entry seals", async () => {
      const moved = await tampered((tx) => tx.execute(sql`update decision_sets set audit_batch = ${batches[0]!.batch} where id = ${batches[1]!.ids[0]!}`));
      expect(moved.failure).toMatchObject({ kind: "batch_root", seq: batches[0]!.seq });
      const forged = await tampered((tx) =>
        tx.execute(sql`insert into decision_sets (id, audit_batch, home_id, device_id, observed_at, decided_at, kind_ids, link_ids, sent_properties)
                       select 99999999, 999999, ${stableId("home:0")}, ${stableId("device:0:0")}, now(), now(), kind_ids, link_ids, sent_properties
                         from decision_sets limit 1`),
      );
      expect(forged.failure).toMatchObject({ kind: "unsealed_decisions" });
      expect(forged.failure!.message).toMatch(/batch 999999/);
    });

    it("catches an altered entry, and an altered entry whose hash was recomputed", async () => {
      const r = await tampered((tx) => tx.execute(sql`update audit_log set details = jsonb_set(details, '{mode}', '"off"') where seq = ${consentSeq}`));
      expect(r.failure).toMatchObject({ kind: "entry_hash", seq: consentSeq });
      // A careful forger recomputes the altered entry's hash: the next entry no longer follows it.
      const r2 = await tampered((tx) => tx.execute(sql`update audit_log set hash = repeat('a', 64) where seq = ${consentSeq}`));
      expect(r2.failure).toMatchObject({ kind: "entry_hash", seq: consentSeq });
      const [entry] = await t.db
        .select()
        .from(auditLog)
        .where(sql`seq = ${consentSeq}`);
      const forgedDetails = { ...entry!.details, mode: "off" };
      const forgedHash = entryHash(entry!.prevHash, { ...entry!, details: forgedDetails });
      const r3 = await tampered((tx) =>
        tx.execute(sql`update audit_log set details = ${JSON.stringify(forgedDetails)}::jsonb, hash = ${forgedHash} where seq = ${consentSeq}`),
      );
      expect(r3.failure).toMatchObject({ kind: "chain_link", seq: consentSeq + 1 });
    });

    it("catches a deleted entry", async () => {
      const r = await tampered((tx) => tx.execute(sql`delete from audit_log where seq = ${batches[1]!.seq}`));
      expect(r.failure).toMatchObject({ kind: "missing_entry", seq: batches[1]!.seq });
    });

    it("catches reordered entries", async () => {
      const [a, b] = [batches[1]!.seq, batches[1]!.seq + 1];
      const r = await tampered(async (tx) => {
        await tx.execute(sql`update audit_log set seq = -1 where seq = ${a}`);
        await tx.execute(sql`update audit_log set seq = ${a} where seq = ${b}`);
        await tx.execute(sql`update audit_log set seq = ${b} where seq = -1`);
      });
      expect(r.failure?.seq).toBe(a);
      expect(["chain_link", "entry_hash"]).toContain(r.failure?.kind);
    });

    it("catches a truncated tail through the signed checkpoint", async () => {
      const [last] = await t.db.select().from(auditLog).orderBy(desc(auditLog.seq)).limit(2);
      const r = await tampered(async (tx) => {
        // Remove the last two entries (one is covered by the checkpoint) and move the head back.
        await tx.execute(sql`delete from audit_log where seq >= ${last!.seq - 1}`);
        const [prev] = await tx.select().from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
        await tx.execute(sql`update audit_head set seq = ${prev!.seq}, hash = ${prev!.hash}`);
      });
      expect(r.failure).toMatchObject({ kind: "checkpoint" });
    });

    it("refuses a checkpoint whose signature does not match, or that another key signed", async () => {
      const r = await tampered((tx) => tx.execute(sql`update audit_checkpoints set head_hash = repeat('b', 64)`));
      expect(r.failure).toMatchObject({ kind: "checkpoint" });
      expect(r.failure!.message).toMatch(/signature is invalid/);
      const other = signerFromSeed(Buffer.alloc(32, 9).toString("base64"));
      const r2 = await tampered(async () => {}, { trusted: keyring([other.publicKey]) });
      expect(r2.failure!.message).toMatch(/not a trusted key/);
      // Nothing configured: the key a checkpoint carries is no evidence.
      const r3 = await tampered(async () => {}, { trusted: keyring([]) });
      expect(r3.failure!.message).toMatch(/no trusted key is configured/);
    });

    it("verifies a range, and exported checkpoints verify on their own", async () => {
      const r = await tampered((tx) => flipToSend(tx, batches[2]!.ids[1]!), { from: 1, to: batches[1]!.seq });
      expect(r.ok).toBe(true);
      const cp = await createCheckpoint(t.db, signer, new Date(NOW.getTime() + 60_000));
      expect(cp).not.toBeNull();
      expect(checkSignature(cp!, trusted)).toBeNull();
      expect(checkSignature({ ...cp!, uptoSeq: cp!.uptoSeq - 1 }, trusted)).toMatch(/invalid/);
      // Nothing new since: no second checkpoint for the same head.
      expect(await createCheckpoint(t.db, signer, new Date(NOW.getTime() + 120_000))).toBeNull();
    });

    it("proves a decision's inclusion: leaf → path → batch root on the chain → covering checkpoint", async () => {
      const id = batches[1]!.ids[3]!;
      const proofs = await proveDecisions(t.db, [{ id, auditBatch: batches[1]!.batch }]);
      const p = proofs.get(id)!;
      expect(p.valid).toBe(true);
      expect(rootFromProof(p.leaf, p.path)).toBe(p.merkleRoot);
      expect(p.entry!.seq).toBe(batches[1]!.seq);
      expect(p.checkpoint!.uptoSeq).toBeGreaterThanOrEqual(p.entry!.seq);
    });

    it("verifies in the background when legal asks: claimed once, progress and report stored", async () => {
      const legal = stableId("user:legal@proviso.test");
      const req = await requestVerification(t.db, { from: null, to: null, userId: legal });
      const job = await claimVerification(t.db);
      expect(job?.id).toBe(req.id);
      expect(await claimVerification(t.db)).toBeNull();
      const report = await runVerification(t.db, job!, { trusted });
      expect(report.ok).toBe(true);
      const latest = await latestVerification(t.db);
      expect(latest).toMatchObject({ id: req.id, status: "done", report: { ok: true, entries: report.entries } });
      await expect(requestVerification(t.db, { from: 9, to: 3, userId: legal })).rejects.toMatchObject({ code: "INVALID" });
    });

    it("keeps one linear chain when many writers append at once", async () => {
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          t.db.transaction(async (tx) => {
            await sealDecisions(tx, [row(100 + i, "send")], { stage: "request" });
            await appendAudit(tx, { action: "test.concurrent", entityType: "test", entityId: String(i), details: { i } });
          }),
        ),
      );
      const r = await verifyChain(t.db, { trusted });
      expect(r.failure).toBeNull();
      expect(r.batches).toBe(15);
    });
  });
}
