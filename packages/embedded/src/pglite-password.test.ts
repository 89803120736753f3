// The embedded database asks every connection for its password (the launcher generates one): no
// password, or a wrong one, gets PostgreSQL's own refusal and nothing else.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./pglite-server";

let server: EmbeddedPostgres;
beforeAll(async () => {
  server = await startEmbeddedPostgres({ dataDir: "memory://", port: 0, maxConnections: 8, password: "s3cret-pw" });
});
afterAll(async () => server?.stop());

const connect = async (password: string | undefined) => {
  const client = new pg.Client({ host: "127.0.0.1", port: server.port, user: "postgres", database: "postgres", password, connectionTimeoutMillis: 5_000 });
  await client.connect();
  return client;
};

describe("the embedded database's password", () => {
  it("refuses a connection with no password or a wrong one, as PostgreSQL does", async () => {
    for (const password of ["wrong", "s3cret-pw-and-more", ""]) {
      await expect(connect(password), JSON.stringify(password)).rejects.toMatchObject({
        code: "28P01",
        message: 'password authentication failed for user "postgres"',
      });
    }
  });

  it("serves a connection with the right one, and its URL carries it", async () => {
    expect(server.url).toContain("s3cret-pw");
    const client = await connect("s3cret-pw");
    try {
      expect((await client.query("select $1::int + 1 as two", [1])).rows[0].two).toBe(2);
    } finally {
      await client.end();
    }
    const pool = new pg.Pool({ connectionString: server.url, max: 3 });
    const answers = await Promise.all([1, 2, 3, 4, 5].map((i) => pool.query("select $1::int as i", [i])));
    expect(answers.map((a) => a.rows[0].i)).toEqual([1, 2, 3, 4, 5]);
    await pool.end();
  });
});
