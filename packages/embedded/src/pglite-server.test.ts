// Several connections at once on the embedded server: parameterised (extended-protocol) queries
// from different connections must never interleave mid-exchange.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./pglite-server";

let server: EmbeddedPostgres;
beforeAll(async () => {
  server = await startEmbeddedPostgres({ dataDir: "memory://", port: 0, maxConnections: 16 });
});
afterAll(async () => server?.stop());

describe("the embedded server under concurrent connections", () => {
  it("answers 1,200 parameterised queries from 8 connections, each correctly, with transactions mixed in", async () => {
    const pool = new pg.Pool({ connectionString: server.url, max: 8 });
    await pool.query("create table t (id int primary key, v text)");
    const work = Array.from({ length: 400 }, async (_, i) => {
      const sum = await pool.query("select $1::int + $2::int as s", [i, 1]);
      expect(sum.rows[0].s).toBe(i + 1);
      const text = await pool.query("select $1::text as t", [`x${i}`]);
      expect(text.rows[0].t).toBe(`x${i}`);
      if (i % 10 === 0) {
        const c = await pool.connect();
        try {
          await c.query("begin");
          await c.query("insert into t (id, v) values ($1, $2)", [i, `v${i}`]);
          await c.query("commit");
        } finally {
          c.release();
        }
      } else {
        const three = await pool.query("select $1::int as a, $2::text as b, $3::bool as c", [i, "b", true]);
        expect(three.rows[0]).toEqual({ a: i, b: "b", c: true });
      }
    });
    await Promise.all(work);
    expect((await pool.query("select count(*)::int as n from t")).rows[0].n).toBe(40);
    await pool.end();
  });
});
