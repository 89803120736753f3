// Several connections at once on the embedded server: parameterised (extended-protocol) queries
// from different connections must never interleave mid-exchange.
import net from "node:net";
import pg from "pg";
import { parse, serialize } from "pg-protocol";
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

describe("the embedded server reads what a connection sends, however it arrives", () => {
  it("answers several queries sent in one write, and a message split across writes, while another connection works", async () => {
    const socket = net.connect(Number(new URL(server.url).port), "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    socket.on("error", () => {}); // the server may reset the socket after Terminate
    const received: { name: string; fields?: unknown[] }[] = [];
    let waiting: { count: number; resolve: () => void } | null = null;
    void parse(socket, (msg) => {
      received.push(msg as { name: string; fields?: unknown[] });
      if (msg.name === "authenticationCleartextPassword") socket.write(serialize.password("postgres"));
      if (waiting && received.filter((m) => m.name === "readyForQuery").length >= waiting.count) waiting.resolve();
    });
    const readyFor = (count: number) => new Promise<void>((resolve) => (waiting = { count, resolve }));
    const query = (sql: string, values: string[]) =>
      Buffer.concat([serialize.parse({ text: sql }), serialize.bind({ values }), serialize.describe({ type: "P" }), serialize.execute(), serialize.sync()]);
    socket.write(serialize.startup({ user: "postgres", database: "postgres" }));
    await readyFor(1);

    const other = new pg.Client({ connectionString: server.url });
    await other.connect();
    // Another connection busy meanwhile: thirty queries, each sent when the last is answered (pg
    // only queues what one client sends at once, and pg@9 will refuse it).
    const busy = (async () => {
      const out: pg.QueryResult[] = [];
      for (let i = 0; i < 30; i++) out.push(await other.query("select $1::text || $2::text as t", [`a${i}`, "b"]));
      return out;
    })();

    // Three parameterised queries (fifteen messages) in one write.
    socket.write(Buffer.concat([query("select $1::int + 1 as n", ["41"]), query("select $1::text as t", ["é"]), query("select $1::int * 2 as n", ["21"])]));
    await readyFor(4);
    // One query whose bytes arrive in three writes, cut inside messages.
    const split = query("select $1::int - 1 as n", ["100"]);
    socket.write(split.subarray(0, 3));
    await new Promise((r) => setTimeout(r, 20));
    socket.write(split.subarray(3, 20));
    await new Promise((r) => setTimeout(r, 20));
    socket.write(split.subarray(20));
    await readyFor(5);

    const rows = received.filter((m) => m.name === "dataRow").map((m) => String(m.fields![0]));
    expect(rows).toEqual(["42", "é", "42", "99"]);
    expect(received.filter((m) => m.name === "error")).toEqual([]);
    expect((await busy).map((r) => r.rows[0].t)).toEqual(Array.from({ length: 30 }, (_, i) => `a${i}b`));
    await other.end();
    socket.end(serialize.end());
    await new Promise((r) => socket.once("close", r));
  });
});
