import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpPost } from "./http-post";

describe("httpPost", () => {
  let server: http.Server;
  let base = "";
  const seen: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        seen.push({ headers: req.headers, body });
        if (req.url === "/slow") return void setTimeout(() => res.end("late"), 500);
        if (req.url === "/busy") return void res.writeHead(429, { "retry-after": "7" }).end("slow down: ".padEnd(400, "x"));
        res.writeHead(202).end("accepted, and a body nobody reads");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("posts the body with its headers and content length, and answers with the status", async () => {
    const r = await httpPost(`${base}/ok`, { "content-type": "application/json", authorization: "Bearer t" }, '{"é":1}', 2_000);
    expect(r).toEqual({ status: 202, retryAfter: null, text: "" });
    expect(seen.at(-1)).toMatchObject({ body: '{"é":1}', headers: { authorization: "Bearer t", "content-length": "8" } });
  });

  it("keeps the error's body and Retry-After", async () => {
    const r = await httpPost(`${base}/busy`, {}, "{}", 2_000);
    expect(r.status).toBe(429);
    expect(r.retryAfter).toBe("7");
    expect(r.text).toMatch(/^slow down: x+$/);
  });

  it("gives up after the timeout with a TimeoutError, and rejects when nobody listens", async () => {
    await expect(httpPost(`${base}/slow`, {}, "{}", 50)).rejects.toMatchObject({ name: "TimeoutError" });
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(httpPost(`http://127.0.0.1:${port}/`, {}, "{}", 2_000)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });
});
