import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "./client";
import { executePrepared, statementName } from "./prepared";
import { availableBackends, createTestDatabase } from "./testing";

describe("named prepared statements", () => {
  it("are named by their text: the same text the same name, another text another", () => {
    expect(statementName("select 1")).toBe(statementName("select 1"));
    expect(statementName("select 1")).not.toBe(statementName("select 2"));
    expect(statementName("select 1")).toMatch(/^proviso_[0-9a-f]{8}_[0-9a-f]{32}$/);
  });

  for (const backend of availableBackends()) {
    it(`are prepared once, shared or per connection as the server keeps them, and give what execute gives (${backend})`, async () => {
      const t = await createTestDatabase(backend);
      // Four connections: on the embedded server they share one session, on PostgreSQL each has its own.
      const many = createDb(t.url, { max: 4, applicationName: "proviso-test" });
      try {
        await t.pool.query("create table pt (id int primary key, at timestamptz not null, tag text not null)");
        const insert = (id: number) =>
          sql`insert into pt (id, at, tag) select * from unnest(${sql.param([id])}::int[], ${sql.param(["2026-11-30T10:00:00Z"])}::timestamptz[], ${sql.param(["a"])}::text[]) returning id`;
        const name = statementName((many.db as unknown as { dialect: { sqlToQuery(q: unknown): { sql: string } } }).dialect.sqlToQuery(insert(0)).sql);

        // Forty at once over four connections, half of them in transactions: each first use of the
        // name on a connection finds the statement or prepares it, and none fails as a duplicate.
        const ids = await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            i % 2
              ? many.db.transaction(async (tx) => (await executePrepared<{ id: number }>(tx, insert(i))).rows[0]!.id)
              : executePrepared<{ id: number }>(many.db, insert(i)).then((r) => r.rows[0]!.id),
          ),
        );
        expect(ids.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));

        // It is there, under its name, where the connections find it.
        const c = await many.pool.connect();
        try {
          await c.query("select 1"); // a connection that may not have used it: on the embedded server it still sees it
          if (backend === "embedded")
            expect((await c.query("select count(*)::int as n from pg_prepared_statements where name = $1", [name])).rows[0].n).toBe(1);
        } finally {
          c.release();
        }
        const seen = await Promise.all(
          Array.from({ length: 4 }, async () => {
            const client = await many.pool.connect();
            try {
              return (await client.query("select count(*)::int as n from pg_prepared_statements where name = $1", [name])).rows[0].n as number;
            } finally {
              client.release();
            }
          }),
        );
        // Each connection that ran it holds it once (PostgreSQL), or the one session does (embedded).
        expect(seen.every((n) => n === 1 || (backend === "postgres" && n === 0))).toBe(true);
        expect(seen.some((n) => n === 1)).toBe(true);

        // Results come back as drizzle's execute gives them (timestamps as text, arrays as arrays).
        const read = sql`select id, at, array[tag, ${"b"}] as tags from pt where id = ${7}`;
        const prepared = await executePrepared(many.db, read);
        const plain = (await many.db.execute(read)) as unknown as { rows: unknown[] };
        expect(prepared.rows).toEqual(plain.rows);
        expect(prepared.rows[0]).toMatchObject({ id: 7, tags: ["a", "b"] });

        // A prepared statement that fails (a duplicate key) fails its transaction, with the server's
        // words, and leaves the statement and the connection usable.
        await expect(many.db.transaction((tx) => executePrepared(tx, insert(3)))).rejects.toThrow();
        const err = await many.db.transaction((tx) => executePrepared(tx, insert(3))).catch((e: Error) => e);
        expect(JSON.stringify(err, Object.getOwnPropertyNames(err)) + String((err as { cause?: unknown }).cause)).toMatch(/duplicate key/);
        expect((await executePrepared<{ id: number }>(many.db, insert(99))).rows[0]!.id).toBe(99);
      } finally {
        await many.close();
        await t.drop();
      }
    });
  }
});
