// Migration 0010 moved the ledger from one wide `decisions` table to kinds + rows behind a view.
// A database written before it must keep every decision exactly, and its chain must still verify:
// here one is built at migration 0009 with decisions sealed as they were then, then migrated.
import { appendAudit, decisionLeaf, LEAF_FIELDS, merkleRoot, sealDecisions, verifyChain, type SealedDecision } from "@proviso/audit";
import { MIGRATIONS_DIR, migrate } from "@proviso/db";
import * as schema from "@proviso/db/schema";
import { availableBackends, createTestDatabase } from "@proviso/db/testing";
import { seed, stableId } from "@proviso/seed";
import { is } from "drizzle-orm";
import { migrate as drizzleMigrate } from "drizzle-orm/node-postgres/migrator";
import { getTableConfig, isPgEnum, PgTable } from "drizzle-orm/pg-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

/** The committed migrations up to and including `lastIdx`, in a folder of their own. */
function migrationsUpTo(lastIdx: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proviso-migrations-"));
  fs.cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  const journalFile = path.join(dir, "meta/_journal.json");
  const journal = JSON.parse(fs.readFileSync(journalFile, "utf8")) as { entries: { idx: number }[] };
  journal.entries = journal.entries.filter((e) => e.idx <= lastIdx);
  fs.writeFileSync(journalFile, JSON.stringify(journal));
  return dir;
}

/**
 * Runs `fn` (the seed, which writes today's schema) on a database at an older migration: the
 * columns today's tables have and it lacks (added to seeded tables by later migrations) exist
 * for the while, then go, so the later migrations add them as they would; the words today's
 * enums have are added (an enum value cannot be dropped: the migrations that add them say IF NOT
 * EXISTS).
 */
async function withTodaysColumns(pool: { query: (q: string) => Promise<{ rows: { column_name: string }[] }> }, fn: () => Promise<unknown>) {
  for (const e of Object.values(schema)) {
    if (!isPgEnum(e)) continue;
    if ((await pool.query(`select typname as column_name from pg_type where typname = '${e.enumName}'`)).rows.length === 0) continue;
    for (const value of e.enumValues) await pool.query(`alter type "${e.enumName}" add value if not exists '${value}'`);
  }
  const added: string[] = [];
  for (const table of Object.values(schema)) {
    if (!is(table, PgTable)) continue;
    const { name, columns } = getTableConfig(table);
    const have = new Set((await pool.query(`select column_name from information_schema.columns where table_name = '${name}'`)).rows.map((r) => r.column_name));
    if (have.size === 0) continue;
    for (const c of columns) {
      if (have.has(c.name)) continue;
      await pool.query(`alter table "${name}" add column "${c.name}" ${c.getSQLType()}`);
      added.push(`alter table "${name}" drop column "${c.name}"`);
    }
  }
  try {
    await fn();
  } finally {
    for (const drop of added) await pool.query(drop);
  }
}

const snake = (f: string) => f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

for (const backend of availableBackends()) {
  describe(`the ledger written before migration 0010 (${backend})`, () => {
    it("keeps every decision as it was, verifies, and takes new decisions beside the old", async () => {
      const t = await createTestDatabase(backend, { empty: true });
      const dir = migrationsUpTo(9);
      try {
        await drizzleMigrate(t.db, { migrationsFolder: dir });
        await withTodaysColumns(t.pool, () => seed(t.db, { homes: 1, now: new Date("2026-11-20T00:00:00Z") }));
        // Two batches as the worker sealed them then: wide rows, each batch's root in the chain.
        const home = stableId("home:0");
        const at = Date.parse("2026-11-20T10:00:00Z");
        const seeded = Number((await t.pool.query("select count(*) from decisions")).rows[0].count);
        for (let b = 0; b < 2; b++) {
          await t.pool.query("begin");
          const batch = Number((await t.pool.query("select nextval('decision_batch_seq') as n")).rows[0].n);
          for (let i = 0; i < 6; i++) {
            const send = i % 3 === 0;
            await t.pool.query(
              `insert into decisions (audit_batch, state_event_id, home_id, device_id, partner_id, link_id, category_key, mode, stage, outcome,
                                      sent_properties, reasons, agreement_version_id, clause_keys, consent_version, observed_at, decided_at)
               values ($1, $2, $3, $4, $5, $6, $7, 'proactive', 'change', $8, $9, $10, $11, $12, $13, $14, $15)`,
              [
                batch,
                i % 4 ? batch * 100 + i : null,
                home,
                stableId(`device:0:${i % 2}`),
                i % 2 ? "alexa" : "google-home",
                i % 5 ? stableId("link:0:alexa") : null,
                i % 2 ? "user.device.sensor.temperature" : "user.device.sensor.setpoint",
                send ? "send" : "withhold",
                send ? JSON.stringify({ temperature: 20 + i / 2 }) : null,
                JSON.stringify(
                  send
                    ? [
                        { code: "ALLOWED_BY_CLAUSE", clauseKey: "2.1" },
                        { code: "CONSENT_GRANTS", consentVersion: i },
                      ]
                    : [{ code: "CONSENT_OFF", consentVersion: 2 }],
                ),
                i % 2 ? stableId("version:alexa:1") : null,
                i % 2 ? ["2.1"] : [],
                send ? i : 2,
                new Date(at + batch * 60_000 + i * 1_000),
                new Date(at + batch * 60_000 + i * 1_000 + 40),
              ],
            );
          }
          const stored = (
            await t.pool.query(`select ${LEAF_FIELDS.map((f) => `${snake(f)} as "${f}"`).join(", ")} from decisions where audit_batch = $1 order by id`, [
              batch,
            ])
          ).rows as (SealedDecision & { id: string; auditBatch: string; stateEventId: string | null })[];
          const leaves = stored.map((d) =>
            decisionLeaf({ ...d, id: Number(d.id), auditBatch: Number(d.auditBatch), stateEventId: d.stateEventId == null ? null : Number(d.stateEventId) }),
          );
          await t.pool.query("commit");
          await t.db.transaction((tx) =>
            appendAudit(tx, {
              action: "decisions.sealed",
              entityType: "decision_batch",
              entityId: String(batch),
              details: { stage: "change", count: 6 },
              merkleRoot: merkleRoot(leaves),
            }),
          );
        }
        expect((await verifyChain(t.db, {})).failure).toBeNull();
        const before = (await t.pool.query("select * from decisions order by id")).rows;
        expect(before).toHaveLength(seeded + 12);

        await migrate(t.db);

        expect((await t.pool.query("select * from decisions order by id")).rows).toEqual(before);
        const kinds = Number((await t.pool.query("select count(*) from decision_kinds")).rows[0].count);
        expect(kinds).toBeLessThan(seeded + 12);
        const after = await verifyChain(t.db, {});
        expect(after.failure).toBeNull();
        expect(after.decisions).toBe(seeded + 12);
        expect(after.entries).toBeGreaterThan(2);
        // New decisions (content-derived kind ids) go in beside the old (migrated kinds, negative ids).
        await t.db.transaction((tx) =>
          sealDecisions(
            tx,
            before.slice(0, 3).map((d) => ({
              homeId: d.home_id,
              deviceId: d.device_id,
              partnerId: d.partner_id,
              linkId: d.link_id,
              categoryKey: d.category_key,
              mode: d.mode,
              stage: d.stage,
              outcome: d.outcome,
              sentProperties: d.sent_properties,
              reasons: d.reasons,
              agreementVersionId: d.agreement_version_id,
              clauseKeys: d.clause_keys,
              consentVersion: d.consent_version,
              observedAt: d.observed_at,
              decidedAt: new Date(),
            })),
            { stage: "change" },
          ),
        );
        const final = await verifyChain(t.db, {});
        expect(final.failure).toBeNull();
        expect(final.decisions).toBe(seeded + 15);
        // The new decisions are a decision set; the old stay rows: the view shows them all, ids unique.
        expect(Number((await t.pool.query("select count(*) from decision_sets")).rows[0].count)).toBeGreaterThan(0);
        const ids = (await t.pool.query("select id from decisions order by id")).rows.map((r) => Number(r.id));
        expect(new Set(ids).size).toBe(seeded + 15);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
        await t.drop();
      }
    });
  });
}
