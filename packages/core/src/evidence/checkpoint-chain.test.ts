// Checkpoints that chain, against someone with superuser access to the database (triggers off):
// the signer refuses to sign a chain that does not extend the last checkpoint, naming where it
// stops agreeing; verification checks each checkpoint against its predecessor and the keyring,
// and names the stretch rewritten inside a checkpoint's range. On both backends.
import {
  CheckpointRefused,
  appendAudit,
  createCheckpoint,
  directoryWitness,
  entryHash,
  httpSigner,
  httpWitness,
  keyring,
  publishCheckpoints,
  readWitnesses,
  signerFromSeed,
  verifyChain,
  type CheckpointExport,
  type Signer,
} from "@proviso/audit";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { auditLog, type Executor } from "@proviso/db";
import { availableBackends, createTestDatabase, type TestDatabase } from "@proviso/db/testing";
import { seed } from "@proviso/seed";
import { asc, desc, gt, sql } from "drizzle-orm";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listIntegrityAlerts, signCheckpointNow } from "./audit-log";
import { NOW, rolledBack } from "./testing/ledger-fixtures";

const signer = signerFromSeed(Buffer.alloc(32, 7).toString("base64"));
const trusted = keyring([signer.publicKey]);
const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);
const append = (db: Executor, id: string) =>
  appendAudit(db, { action: "consent.changed", entityType: "consent", entityId: id, details: { mode: "proactive" } });

/** Tampers with triggers off (as a superuser can), then runs `check` in the same transaction; all rolled back. */
async function tampered<T>(t: TestDatabase, change: (tx: Executor) => Promise<unknown>, check: (tx: Executor) => Promise<T>): Promise<T> {
  let result: T | undefined;
  await rolledBack(t, async (tx) => {
    for (const [table, trigger] of [
      ["audit_log", "audit_log_append_only"],
      ["audit_checkpoints", "audit_checkpoints_append_only"],
      ["audit_head", "audit_head_forward_only"],
    ])
      await tx.execute(sql.raw(`alter table ${table} disable trigger ${trigger}`));
    await change(tx);
    result = await check(tx);
  });
  return result!;
}

/** Deletes entries from `seq` on and moves the head back to the one before, as a careful forger would. */
async function cutTail(tx: Executor, seq: number) {
  await tx.execute(sql`delete from audit_log where seq >= ${seq}`);
  const [prev] = await tx.select().from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
  await tx.execute(sql`update audit_head set seq = ${prev!.seq}, hash = ${prev!.hash}`);
}

/** Rewrites entry `seq`'s details and re-hashes it and every entry after it, and the head. */
async function rewriteFrom(tx: Executor, seq: number) {
  const entries = await tx
    .select()
    .from(auditLog)
    .where(gt(auditLog.seq, seq - 1))
    .orderBy(asc(auditLog.seq));
  let prev = entries[0]!.prevHash;
  for (const e of entries) {
    const details = e.seq === seq ? { ...e.details, mode: "off" } : e.details;
    const hash = entryHash(prev, { ...e, details });
    await tx.execute(sql`update audit_log set details = ${JSON.stringify(details)}::jsonb, prev_hash = ${prev}, hash = ${hash} where seq = ${e.seq}`);
    prev = hash;
  }
  await tx.execute(sql`update audit_head set hash = ${prev}`);
}

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (err: unknown) => (err instanceof CheckpointRefused ? { seq: err.seq, message: err.message } : Promise.reject(err)),
  );

for (const backend of availableBackends()) {
  describe(`chained checkpoints (${backend})`, () => {
    let t: TestDatabase;
    const seqs: number[] = [];
    let first: Awaited<ReturnType<typeof createCheckpoint>>;
    let second: Awaited<ReturnType<typeof createCheckpoint>>;

    beforeAll(async () => {
      t = await createTestDatabase(backend);
      await seed(t.db, { homes: 2, now: NOW });
      for (let i = 0; i < 3; i++) seqs.push((await t.db.transaction((tx) => append(tx, `a${i}`)))[0]!.seq);
      first = await createCheckpoint(t.db, signer, at(1), { trusted });
      for (let i = 0; i < 3; i++) seqs.push((await t.db.transaction((tx) => append(tx, `b${i}`)))[0]!.seq);
      second = await createCheckpoint(t.db, signer, at(2), { trusted });
      // Entries after the last checkpoint, not yet signed.
      for (let i = 0; i < 2; i++) seqs.push((await t.db.transaction((tx) => append(tx, `c${i}`)))[0]!.seq);
    });
    afterAll(async () => t?.drop());

    it("chains each checkpoint to the one before, and the untouched chain verifies", async () => {
      expect(first).toMatchObject({ format: "proviso-audit-checkpoint/v2", prevSeq: 0 });
      expect(second).toMatchObject({ prevSeq: first!.uptoSeq, prevHash: first!.headHash, uptoSeq: seqs[5] });
      expect((await verifyChain(t.db, { trusted })).failure).toBeNull();
    });

    it("refuses to sign a tail cut short (head rewound), naming where, whether or not the checkpoints past the cut are deleted too", async () => {
      const cut = await tampered(
        t,
        (tx) => cutTail(tx, seqs[4]!),
        (tx) => refusal(createCheckpoint(tx, signer, at(3), { trusted })),
      );
      expect(cut).toMatchObject({ seq: seqs[4], message: expect.stringMatching(/behind checkpoint \d+ at entry #\d+: entries were removed/) });
      const verified = await tampered(
        t,
        (tx) => cutTail(tx, seqs[4]!),
        (tx) => verifyChain(tx, { trusted }),
      );
      expect(verified.failure).toMatchObject({ kind: "checkpoint", message: expect.stringMatching(/entries were removed/) });
      // The checkpoint past the cut deleted as well: the signer still finds that the last one left does not hold… unless the cut
      // is exactly at it, where only something held outside can tell (a witness, a partner's copy, a time-stamp).
      const deeper = await tampered(
        t,
        async (tx) => {
          await cutTail(tx, seqs[1]!);
          await tx.execute(sql`delete from audit_checkpoints where id = ${second!.id}`);
        },
        (tx) => refusal(createCheckpoint(tx, signer, at(3), { trusted })),
      );
      expect(deeper).toMatchObject({ seq: seqs[1], message: expect.stringMatching(/behind checkpoint/) });
    });

    it("refuses to sign over an entry altered after the last checkpoint, and over one rewritten inside its range", async () => {
      const altered = await tampered(
        t,
        (tx) => tx.execute(sql`update audit_log set details = '{"mode": "off"}' where seq = ${seqs[6]!}`),
        (tx) => refusal(createCheckpoint(tx, signer, at(3), { trusted })),
      );
      expect(altered).toMatchObject({ seq: seqs[6], message: expect.stringMatching(/does not follow from checkpoint/) });
      const rewritten = await tampered(
        t,
        (tx) => rewriteFrom(tx, seqs[4]!),
        (tx) => refusal(createCheckpoint(tx, signer, at(3), { trusted })),
      );
      expect(rewritten).toMatchObject({ seq: seqs[5], message: expect.stringMatching(/no longer has the hash checkpoint \d+ signed/) });
    });

    it("names the stretch rewritten inside a checkpoint's range: between the checkpoint that still holds and the one that does not", async () => {
      const r = await tampered(
        t,
        (tx) => rewriteFrom(tx, seqs[4]!),
        (tx) => verifyChain(tx, { trusted }),
      );
      expect(r.failure).toMatchObject({ kind: "checkpoint", seq: seqs[2]! + 1 });
      expect(r.failure!.message).toMatch(
        new RegExp(`entries #${seqs[2]! + 1}–#${seqs[5]} were rewritten .* after the checkpoint of entry #${seqs[2]}, which still holds`),
      );
    });

    it("catches a checkpoint removed from between two, and one forged with another key", async () => {
      const removed = await tampered(
        t,
        (tx) => tx.execute(sql`delete from audit_checkpoints where id = ${first!.id}`),
        (tx) => verifyChain(tx, { trusted }),
      );
      expect(removed.failure!.message).toMatch(/follows a checkpoint of entry #\d+ that is no longer here: checkpoints were removed/);
      // An operator's own key, put in a checkpoint row: not in the keyring, so neither verification nor the signer takes it.
      const forger = signerFromSeed(Buffer.alloc(32, 3).toString("base64"));
      const forged = (tx: Executor) => createCheckpoint(tx, forger, at(3));
      const verified = await tampered(t, forged, (tx) => verifyChain(tx, { trusted }));
      expect(verified.failure!.message).toMatch(/signed by key [0-9a-f]{16}, which is not a trusted key/);
      const signed = await tampered(t, forged, (tx) => refusal(createCheckpoint(tx, signer, at(4), { trusted })));
      expect(signed!.message).toMatch(/the last checkpoint \(\d+\) does not verify: .*not a trusted key/);
    });

    it("rotates keys: checkpoints of a retired key stay trusted through the keyring, and only through it", async () => {
      const next = signerFromSeed(Buffer.alloc(32, 8).toString("base64"));
      const both = keyring([next.publicKey, signer.publicKey]);
      const r = await tampered(
        t,
        (tx) => createCheckpoint(tx, next, at(5), { trusted: both }),
        async (tx) => ({ both: await verifyChain(tx, { trusted: both }), newOnly: await verifyChain(tx, { trusted: keyring([next.publicKey]) }) }),
      );
      expect(r.both.failure).toBeNull();
      expect(r.both.checkpoints).toBe(3);
      expect(r.newOnly.failure!.message).toMatch(/not a trusted key/);
    });

    it("signs through a remote signer the key never leaves, and refuses what it returns with another key", async () => {
      const seedOf = (n: number) => Buffer.alloc(32, n).toString("base64");
      let key = signerFromSeed(seedOf(5));
      const server = http.createServer(async (req, res) => {
        let body = "";
        for await (const chunk of req) body += chunk;
        const ok = req.headers.authorization === "Bearer signer-token";
        res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
        res.end(ok ? JSON.stringify({ signature: await key.sign((JSON.parse(body) as { message: string }).message) }) : "{}");
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sign`;
      try {
        const remote: Signer = httpSigner({ url, publicKey: key.publicKey, token: "signer-token" });
        const ring = keyring([remote.publicKey, signer.publicKey]);
        const cp = await tampered(
          t,
          async () => {},
          async (tx) => ({ cp: await createCheckpoint(tx, remote, at(6), { trusted: ring }), verified: await verifyChain(tx, { trusted: ring }) }),
        );
        expect(cp.cp).toMatchObject({ keyId: remote.keyId });
        expect(cp.verified.failure).toBeNull();
        key = signerFromSeed(seedOf(6)); // the signer now answers with a key that is not the one configured
        await expect(
          tampered(
            t,
            async () => {},
            (tx) => createCheckpoint(tx, remote, at(7), { trusted: ring }),
          ),
        ).rejects.toThrow(/no valid signature for its key/);
        const wrongToken = httpSigner({ url, publicKey: remote.publicKey, token: "guess" });
        await expect(wrongToken.sign("x")).rejects.toThrow(/answered 401/);
      } finally {
        server.close();
      }
    });

    it("is contradicted by its witnesses when cut exactly at a checkpoint with the later ones deleted, which the database alone cannot show", async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proviso-witness-"));
      const posted: CheckpointExport[] = [];
      const server = http.createServer(async (req, res) => {
        let body = "";
        for await (const chunk of req) body += chunk;
        if (req.method === "POST") posted.push(JSON.parse(body) as CheckpointExport);
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ checkpoints: posted }));
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      try {
        const witnesses = [directoryWitness(dir), httpWitness(`http://127.0.0.1:${(server.address() as AddressInfo).port}/witness`)];
        expect(await publishCheckpoints(t.db, witnesses)).toEqual({ published: 4, errors: [] });
        expect(await publishCheckpoints(t.db, witnesses)).toEqual({ published: 0, errors: [] });
        // Someone slips a file that is not JSON and one that is no checkpoint into the witness's directory:
        // what it holds still reads, the witness is named unreadable, and the stray object proves nothing.
        fs.writeFileSync(path.join(dir, "checkpoint-000000000000-0.json"), "not json");
        fs.writeFileSync(path.join(dir, "checkpoint-000000000000-1.json"), "{}");
        const held = await readWitnesses(witnesses);
        expect(held.unreadable).toEqual([expect.stringMatching(/1 file\(s\) that are not checkpoints \(checkpoint-000000000000-0\.json\)/)]);
        expect(held.map((c) => c.id)).toEqual([undefined, first!.id, second!.id, first!.id, second!.id]);
        // Cut right after the first checkpoint, the second deleted with the entries it signed, and a
        // history of the forger's own appended in their place: consistent on its own.
        const cut = async (tx: Executor) => {
          await cutTail(tx, seqs[3]!);
          await tx.execute(sql`delete from audit_checkpoints where id = ${second!.id}`);
          await append(tx, "forked");
        };
        const alone = await tampered(t, cut, async (tx) => ({
          verified: await verifyChain(tx, { trusted }),
          signed: await createCheckpoint(tx, signer, at(3), { trusted }),
        }));
        expect(alone.verified.failure).toBeNull();
        expect(alone.signed).not.toBeNull();
        // The witnesses still hold the second: the signer refuses and verification names it.
        const refused = await tampered(t, cut, (tx) => refusal(createCheckpoint(tx, signer, at(3), { trusted, witnessed: held })));
        expect(refused).toMatchObject({
          seq: second!.uptoSeq,
          message: expect.stringMatching(
            new RegExp(`checkpoint ${second!.id} held by witness .* signed entry #${second!.uptoSeq}, which the log no longer has`),
          ),
        });
        const verified = await tampered(t, cut, (tx) => verifyChain(tx, { trusted, witnessed: held }));
        expect(verified.failure).toMatchObject({ kind: "checkpoint", seq: second!.uptoSeq });
        // A copy signed with a key no one trusts proves nothing, and a witness's file is never rewritten.
        const forger = signerFromSeed(Buffer.alloc(32, 3).toString("base64"));
        const forged = { ...second!, keyId: forger.keyId, publicKey: forger.publicKey, uptoSeq: 999_999 };
        expect((await verifyChain(t.db, { trusted, witnessed: [forged] })).failure).toBeNull();
        await directoryWitness(dir).publish({ ...second!, headHash: "f".repeat(64) });
        expect((await readWitnesses([directoryWitness(dir)])).find((c) => c.id === second!.id)!.headHash).toBe(second!.headHash);
      } finally {
        server.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it("raises an alert for legal when the portal's checkpoint is refused, once for the same finding", async () => {
      await tampered(
        t,
        (tx) => cutTail(tx, seqs[4]!),
        async (tx) => {
          for (let i = 0; i < 2; i++) await expect(signCheckpointNow(tx, signer, trusted)).rejects.toMatchObject({ code: "CONFLICT" });
          const raised = await listIntegrityAlerts(tx);
          expect(raised).toHaveLength(1);
          expect(raised[0]!.message).toMatch(/^Checkpoint refused: the chain's head is entry #\d+, behind checkpoint/);
        },
      );
    });

    it("never forks when two signers race on the same predecessor: one checkpoint stands, the chain verifies", async () => {
      await t.db.transaction((tx) => append(tx, "race"));
      const other = signerFromSeed(Buffer.alloc(32, 8).toString("base64"));
      const both = keyring([signer.publicKey, other.publicKey]);
      const made = await Promise.all([createCheckpoint(t.db, signer, at(10), { trusted: both }), createCheckpoint(t.db, other, at(10), { trusted: both })]);
      // Racing (two connections), one of them inserts nothing; taking turns (one connection), the second follows the first.
      expect(made.filter(Boolean).length).toBeGreaterThanOrEqual(1);
      const counts = (await t.pool.query("select count(*)::int as n, count(distinct coalesce(prev_id, 0))::int as successors from audit_checkpoints"))
        .rows[0] as {
        n: number;
        successors: number;
      };
      expect(counts.successors).toBe(counts.n);
      expect((await verifyChain(t.db, { trusted: both })).failure).toBeNull();
    });
  });
}
