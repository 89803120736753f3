// The sandbox's own API (what partners received, faults, token expiry, SmartThings' interactions)
// answers only with its token: anyone else on the machine can neither read what partners were
// sent nor make partners fail.
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Recorder } from "./recorder";
import { createSandbox } from "./server";

const { server } = createSandbox(new Recorder(), null, { apiToken: "sandbox-api-token" });
let base: string;
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

describe("the sandbox's own API", () => {
  it("refuses a call without its token, or with another", async () => {
    for (const authorization of [undefined, "Bearer nope", "sandbox-api-token"]) {
      const headers = authorization ? { authorization } : undefined;
      expect((await fetch(`${base}/__sandbox/messages`, { headers })).status, String(authorization)).toBe(401);
      expect((await fetch(`${base}/__sandbox/faults/alexa`, { method: "POST", headers, body: JSON.stringify({ status: 503 }) })).status).toBe(401);
    }
  });

  it("answers with it, while the partners' own endpoints stay as the partners' are", async () => {
    const headers = { authorization: "Bearer sandbox-api-token" };
    expect((await fetch(`${base}/__sandbox/messages`, { headers })).status).toBe(200);
    expect((await fetch(`${base}/__sandbox/faults/alexa`, { method: "POST", headers, body: JSON.stringify({ status: 503 }) })).status).toBe(200);
    // An Alexa event gateway call is Alexa's to judge (its own bearer), not the sandbox API's token.
    const alexa = await fetch(`${base}/alexa/v3/events`, { method: "POST", body: "{}" });
    expect(JSON.stringify(await alexa.json())).not.toContain("SANDBOX_TOKEN");
  });
});
