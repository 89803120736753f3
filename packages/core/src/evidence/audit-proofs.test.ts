// Merkle proofs and decision leaves, proven against the real database (embedded, and PostgreSQL when
// DATABASE_URL is set): leaves as written and as read back agree for every shape of field, and a
// proof from one chunk and the stored chunk roots is exactly the full tree's.
import { availableBackends, createTestDatabase } from "@proviso/db/testing";
import { seed, stableId } from "@proviso/seed";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { inclusionProof, leafHash, merkleRoot, proveDecisions, rootFromProof, sealDecisions, verifyChain, type DecisionInsert } from "@proviso/audit";
import { NOW, rolledBack, row } from "./testing/ledger-fixtures";

describe("Merkle proofs", () => {
  it("prove every leaf of trees of 1 to 33 leaves, and fail for a changed leaf", () => {
    for (let n = 1; n <= 33; n++) {
      const leaves = Array.from({ length: n }, (_, i) => leafHash(`leaf ${i}`));
      const root = merkleRoot(leaves);
      for (let i = 0; i < n; i++) {
        const path = inclusionProof(leaves, i);
        expect(rootFromProof(leaves[i]!, path)).toBe(root);
        expect(rootFromProof(leafHash(`other ${i}`), path)).not.toBe(root);
      }
    }
  });
});

/**
 * Decision `i` of a run. Decisions two by two are about the same change (same observed time), so
 * they are stored and hashed as one decision set: a set of two, then one of two, ….
 */

for (const backend of availableBackends()) {
  describe(`decision leaves as written and as read back (${backend})`, () => {
    it("match for every shape of field: nulls, nested and unicode values, reasons in any key order, many kinds", async () => {
      const t = await createTestDatabase(backend);
      try {
        await seed(t.db, { homes: 1, now: NOW });
        // Three decisions per change (some split into two sets by their decided-at time).
        const rows: DecisionInsert[] = Array.from({ length: 40 }, (_, i) => ({
          ...row(i, i % 3 ? "send" : "withhold"),
          stateEventId: Math.floor(i / 3) % 4 ? Math.floor(i / 3) : null,
          linkId: i % 5 ? stableId("link:0:alexa") : null,
          partnerId: i % 2 ? "alexa" : "google-home",
          outcome: i % 3 === 2 ? "transform" : i % 3 ? "send" : "withhold",
          sentProperties: i % 3 ? { b: [1, 2.5, { z: null, a: 'é"\\' }], a: i, ["ключ"]: true } : null,
          reasons: [
            { consentVersion: i % 7, code: "CONSENT_GRANTS" },
            { clauseKey: "2.1", code: "ALLOWED_BY_CLAUSE", agreementVersionId: stableId("v") },
          ],
          clauseKeys: i % 2 ? ["2.1", 'x"y'] : [],
          consentVersion: i % 6 ? i % 7 : null,
          agreementVersionId: i % 8 ? stableId("v") : null,
          observedAt: new Date(NOW.getTime() + Math.floor(i / 3) * 7),
          decidedAt: Math.floor(i / 3) % 3 || i % 3 === 0 ? new Date(NOW.getTime() + 1_000) : new Date(NOW.getTime() + i),
        }));
        await t.db.transaction((tx) => sealDecisions(tx, rows.slice(0, 25), { stage: "change" }));
        await t.db.transaction((tx) => sealDecisions(tx, rows.slice(25), { stage: "request" }));
        const kinds = async () => Number((await t.pool.query("select count(*) from decision_kinds")).rows[0].count);
        const before = await kinds();
        // The same decisions again: their kinds are stored once.
        await t.db.transaction((tx) =>
          sealDecisions(
            tx,
            rows.map((r) => ({ ...r, reasons: r.reasons.map((x) => ({ ...x })) })),
            { stage: "change" },
          ),
        );
        expect(await kinds()).toBe(before);
        const r = await verifyChain(t.db, {});
        expect(r.failure).toBeNull();
        expect(r.decisions).toBe(80);
        // Sets of three, and of one and two where the decided-at time splits a change.
        const sizes = (await t.pool.query("select cardinality(kind_ids) as n, count(*)::int as c from decision_sets group by 1 order by 1")).rows;
        expect(sizes.map((x) => x.n)).toEqual([1, 2, 3]);
        // What the view shows is what was written, decision by decision.
        const shown = (await t.pool.query("select * from decisions order by id limit 40")).rows;
        expect(shown.map((d) => [d.outcome, d.sent_properties, d.state_event_id === null ? null : Number(d.state_event_id), d.link_id])).toEqual(
          rows.map((d) => [d.outcome, d.sentProperties ?? null, d.stateEventId, d.linkId]),
        );
      } finally {
        await t.drop();
      }
    });
  });
}

for (const backend of availableBackends()) {
  describe(`proofs in large batches, from one chunk and the stored chunk roots (${backend})`, () => {
    it("give exactly the full tree's path, stay valid, and fail when a stored chunk root lies", async () => {
      const t = await createTestDatabase(backend);
      try {
        await seed(t.db, { homes: 1, now: NOW });
        const big = await t.db.transaction((tx) =>
          sealDecisions(
            tx,
            Array.from({ length: 700 }, (_, i) => row(i, i % 3 ? "withhold" : "send")),
            { stage: "change" },
          ),
        );
        const small = await t.db.transaction((tx) =>
          sealDecisions(
            tx,
            Array.from({ length: 60 }, (_, i) => row(i, "send")),
            { stage: "change" },
          ),
        );
        // 700 decisions in 350 sets (leaves): five chunks of 64 and one of 30; 60 decisions in 30
        // sets: no chunk roots, read whole.
        expect((await t.pool.query("select audit_batch, count(*)::int as n from decision_batch_chunks group by 1")).rows).toEqual([
          { audit_batch: String(big!.batch), n: 6 },
        ]);
        // Decisions in the first and last sets of chunks, and between.
        const positions = [0, 1, 127, 128, 300, 639, 640, 699];
        const asked = [...positions.map((p) => ({ id: big!.ids[p]!, auditBatch: big!.batch })), { id: small!.ids[42]!, auditBatch: small!.batch }];
        const proofs = await proveDecisions(t.db, asked);
        const leavesOf = async (batch: number) =>
          (await t.pool.query("select id from decisions where audit_batch = $1 order by id", [batch])).rows.map((r) => Number(r.id));
        const bigIds = await leavesOf(big!.batch);
        for (const p of positions) {
          const proof = proofs.get(big!.ids[p]!)!;
          expect(proof.valid).toBe(true);
          expect(proof.merkleRoot).toBe(big!.root);
          expect(rootFromProof(proof.leaf, proof.path)).toBe(big!.root);
          expect(bigIds.indexOf(big!.ids[p]!)).toBe(p);
        }
        // The same path the whole tree gives (`inclusionProof` over all 700 leaves).
        const every = await proveDecisions(
          t.db,
          bigIds.map((id) => ({ id, auditBatch: big!.batch })),
        );
        // One leaf per set: decisions 2k and 2k + 1 share leaf k.
        const allLeaves = bigIds.filter((_, i) => i % 2 === 0).map((id) => every.get(id)!.leaf);
        for (const p of positions) {
          const proof = proofs.get(big!.ids[p]!)!;
          expect(proof.path).toEqual(inclusionProof(allLeaves, Math.floor(p / 2)));
          expect(proof.leaf).toBe(leafHash(proof.leafText));
          expect(proof.inSet!.index).toBe(p % 2);
          expect(JSON.parse(proof.leafText)[0]).toBe(big!.ids[p - (p % 2)]);
        }
        expect(proofs.get(small!.ids[42]!)).toMatchObject({ valid: true, merkleRoot: small!.root });

        // A lying chunk root cannot make a proof pass: the path no longer reaches the entry's root.
        await rolledBack(t, async (tx) => {
          await tx.execute(sql`alter table decision_batch_chunks disable trigger decision_batch_chunks_append_only`);
          await tx.execute(sql`update decision_batch_chunks set hash = repeat('b', 64) where audit_batch = ${big!.batch} and chunk = 5`);
          const lied = await proveDecisions(tx, [
            { id: big!.ids[0]!, auditBatch: big!.batch },
            { id: big!.ids[699]!, auditBatch: big!.batch },
          ]);
          expect(lied.get(big!.ids[0]!)!.valid).toBe(false);
          expect(lied.get(big!.ids[699]!)!.valid).toBe(false);
        });
        // Nor can an altered decision in the chunk.
        await rolledBack(t, async (tx) => {
          await tx.execute(sql`alter table decision_sets disable trigger decision_sets_append_only`);
          await tx.execute(sql`update decision_sets set sent_properties = '[{"temperature": 99}, null]' where id = ${big!.ids[300]!}`);
          const altered = await proveDecisions(tx, [
            { id: big!.ids[300]!, auditBatch: big!.batch },
            { id: big!.ids[301]!, auditBatch: big!.batch },
            { id: big!.ids[0]!, auditBatch: big!.batch },
          ]);
          expect(altered.get(big!.ids[300]!)!.valid).toBe(false);
          expect(altered.get(big!.ids[301]!)!.valid).toBe(false);
          // A decision in another chunk is still proven: the chunk roots it needs are intact.
          expect(altered.get(big!.ids[0]!)!.valid).toBe(true);
        });
        // Nor an altered kind: its digest no longer matches the one the batch's entry lists.
        await rolledBack(t, async (tx) => {
          await tx.execute(sql`alter table decision_kinds disable trigger decision_kinds_append_only`);
          const kind = (await tx.execute(sql`select kind_ids[1] as k from decision_sets where id = ${big!.ids[2]!}`)) as unknown as { rows: { k: string }[] };
          await tx.execute(sql`update decision_kinds set outcome = 'send' where id = ${kind.rows[0]!.k}`);
          const lied = await proveDecisions(tx, [
            { id: big!.ids[2]!, auditBatch: big!.batch },
            { id: big!.ids[3]!, auditBatch: big!.batch },
          ]);
          expect(lied.get(big!.ids[2]!)!.valid).toBe(false);
          // Its neighbour in the set has another kind: its proof still holds.
          expect(lied.get(big!.ids[3]!)!.valid).toBe(true);
        });
      } finally {
        await t.drop();
      }
    });
  });
}

describe("Merkle nodes from what is not a hash", () => {
  it("give a node no real tree has, the same one each time, instead of throwing", () => {
    const a = leafHash("a"),
      b = leafHash("b");
    const real = rootFromProof(a, [{ side: "right", hash: b }]);
    for (const bad of ["zz".repeat(32), b.slice(0, 62), `${b}00`, ""]) {
      const forged = rootFromProof(a, [{ side: "right", hash: bad }]);
      expect(forged).not.toBe(real);
      expect(forged).toMatch(/^[0-9a-f]{64}$/);
      expect(rootFromProof(a, [{ side: "right", hash: bad }])).toBe(forged);
    }
    expect(rootFromProof(a, [{ side: "right", hash: b.toUpperCase() }])).toBe(real);
  });
});
