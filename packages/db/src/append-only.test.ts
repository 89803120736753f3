// History stays history: the append-only tables refuse UPDATE, DELETE and TRUNCATE by trigger on
// both backends, and on PostgreSQL the role the product runs as may not even ask.
import { sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_ROLE, APPEND_ONLY_TABLES } from "./migrate";
import { availableBackends, createTestDatabase, type TestDatabase } from "./testing";

describe.each(availableBackends())("append-only tables on %s", (backend) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(backend);
  });
  afterAll(async () => t?.drop());

  it("refuses TRUNCATE of every append-only table (a statement trigger: row triggers never see it)", async () => {
    for (const table of APPEND_ONLY_TABLES) {
      await expect(t.pool.query(`truncate ${table}`), table).rejects.toThrow(`${table} is append-only: TRUNCATE refused`);
    }
  });

  it("lets the chain's head only move forward: a rewind, a delete or a truncate is refused", async () => {
    await t.pool.query("update audit_head set seq = seq where id = 1");
    await expect(t.pool.query("update audit_head set seq = seq - 1 where id = 1")).rejects.toThrow("audit_head only moves forward: UPDATE refused");
    await expect(t.pool.query("delete from audit_head")).rejects.toThrow("audit_head only moves forward: DELETE refused");
    await expect(t.pool.query("truncate audit_head")).rejects.toThrow("audit_head is append-only: TRUNCATE refused");
  });

  // Roles are PostgreSQL's: the embedded database runs as its one superuser (its triggers guard it).
  if (backend === "postgres")
    it("lets the product's role add history but not change, remove or truncate it", async () => {
      const app = new pg.Client({ connectionString: t.url, options: `-c role=${APP_ROLE}` });
      await app.connect();
      try {
        expect((await app.query("select current_user")).rows[0].current_user).toBe(APP_ROLE);
        for (const statement of [
          "update consents set mode = 'off'",
          "delete from audit_log",
          "truncate decision_sets",
          "update decision_kinds set outcome = 'send'",
        ]) {
          await expect(app.query(statement), statement).rejects.toMatchObject({ code: "42501", message: expect.stringMatching(/permission denied/) });
        }
        // Its everyday work goes on: reading, adding, and changing what is not history.
        await app.query("select count(*) from decisions");
        await app.query("update app_meta set value = value where key = 'policy.version'");
        await app.query("insert into sign_in_attempts (email, ip, outcome) values ('a@b.test', null, 'failed')");
      } finally {
        await app.end();
      }
      await t.db.execute(sql`select 1`);
    });
});
