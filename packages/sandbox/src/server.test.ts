import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMessageChecker, webhook } from "@proviso/partners";
import { Recorder } from "./recorder";
import { createSandbox } from "./server";

let base = "";
const { server } = createSandbox(new Recorder(), createMessageChecker());
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const post = (path: string, body: unknown) => fetch(base + path, { method: "POST", body: JSON.stringify(body), headers: { authorization: "Bearer t" } });

describe("partner sandbox", () => {
  it("answers a valid Alexa event with 202 and records it per device, schema-checked", async () => {
    const event = {
      event: {
        header: { namespace: "Alexa", name: "ChangeReport", payloadVersion: "3", messageId: "m-1" },
        endpoint: { scope: { type: "BearerToken", token: "t" }, endpointId: "dev-1" },
        payload: {
          change: {
            cause: { type: "PHYSICAL_INTERACTION" },
            properties: [
              { namespace: "Alexa.LockController", name: "lockState", value: "LOCKED", timeOfSample: "2026-11-24T12:00:00.000Z", uncertaintyInMilliseconds: 0 },
            ],
          },
        },
      },
    };
    expect((await post("/alexa/v3/events", event)).status).toBe(202);
    const listed = (await (await fetch(`${base}/__sandbox/messages?partner=alexa&device=dev-1`)).json()) as {
      messages: Record<string, unknown>[];
    };
    expect(listed.messages).toHaveLength(1);
    expect(listed.messages[0]).toMatchObject({ messageId: "m-1", status: 202, authorization: "Bearer t", schemaValid: true });
    // Europe's and the Far East's gateways take the same events, recorded under their own paths.
    expect((await post("/alexa/eu/v3/events", event)).status).toBe(202);
    expect((await post("/alexa/fe/v3/events", event)).status).toBe(202);
    expect((await post("/alexa/xx/v3/events", event)).status).toBe(404);
    const all = (await (await fetch(`${base}/__sandbox/messages?partner=alexa&device=dev-1`)).json()) as { messages: { endpoint: string }[] };
    expect(all.messages.map((m) => m.endpoint)).toEqual(["/alexa/v3/events", "/alexa/eu/v3/events", "/alexa/fe/v3/events"]);
  });

  it("refuses, as Alexa would, a message that breaks Amazon's schema, and records why", async () => {
    const bad = { event: { header: { namespace: "Alexa", name: "ChangeReport", payloadVersion: "2", messageId: "m 2" }, payload: {} } };
    const res = await post("/alexa/v3/events", bad);
    expect(res.status).toBe(400);
    const listed = (await (await fetch(`${base}/__sandbox/messages?partner=alexa`)).json()) as { messages: { schemaValid: boolean; schemaErrors: string[] }[] };
    expect(listed.messages.at(-1)!.schemaValid).toBe(false);
    expect(listed.messages.at(-1)!.schemaErrors.length).toBeGreaterThan(0);
  });

  it("plays Home Graph's requestSync and Alexa's DeleteReport, each checked against its documented shape", async () => {
    expect((await post("/google/v1/devices:requestSync", { agentUserId: "user-1", async: true })).status).toBe(200);
    expect((await post("/google/v1/devices:requestSync", { agentUserId: "", extra: 1 })).status).toBe(400);
    const del = (endpoints: unknown[]) => ({
      event: {
        header: { namespace: "Alexa.Discovery", name: "DeleteReport", payloadVersion: "3", messageId: "d-1" },
        payload: { endpoints, scope: { type: "BearerToken", token: "t" } },
      },
    });
    expect((await post("/alexa/v3/events", del([{ endpointId: "dev-9" }]))).status).toBe(202);
    expect((await post("/alexa/v3/events", del([]))).status).toBe(400);
    expect((await post("/alexa/v3/events", del([{ endpointId: "dev 9" }]))).status).toBe(400);
    const google = (await (await fetch(`${base}/__sandbox/messages?partner=google-home`)).json()) as {
      messages: { endpoint: string; status: number; schemaValid: boolean; schemaErrors: string[] }[];
    };
    const syncs = google.messages.filter((m) => m.endpoint === "/google/v1/devices:requestSync");
    expect(syncs.map((m) => [m.status, m.schemaValid])).toEqual([
      [200, true],
      [400, false],
    ]);
    expect(syncs[1]!.schemaErrors).toEqual(["/agentUserId must be a non-empty string", "/ must NOT have additional property extra"]);
    const deleted = (await (await fetch(`${base}/__sandbox/messages?partner=alexa&device=dev-9`)).json()) as { messages: { status: number }[] };
    expect(deleted.messages.map((m) => m.status)).toEqual([202]);
  });

  it("like Home Graph, asks the integration for SYNC after a requestSync, with the token linking gave it for that user, and checks the answer", async () => {
    const asked: { authorization?: string; body: unknown }[] = [];
    let answer: unknown = {
      requestId: "",
      payload: {
        agentUserId: "user-1",
        devices: [
          {
            id: "dev-7",
            type: "action.devices.types.LOCK",
            traits: ["action.devices.traits.LockUnlock"],
            name: { name: "Front door" },
            willReportState: false,
          },
        ],
      },
    };
    const fulfillment = http.createServer((req, res) => {
      let raw = "";
      req.on("data", (c) => (raw += c));
      req.on("end", () => {
        const body = JSON.parse(raw) as { requestId: string };
        asked.push({ authorization: req.headers.authorization, body });
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ ...(answer as object), requestId: body.requestId }));
      });
    });
    await new Promise<void>((r) => fulfillment.listen(0, "127.0.0.1", r));
    const recorder = new Recorder();
    const google = createSandbox(recorder, createMessageChecker(), {
      googleFulfillmentUrl: `http://127.0.0.1:${(fulfillment.address() as AddressInfo).port}/v1/partners/google/fulfillment`,
    });
    await new Promise<void>((r) => google.server.listen(0, "127.0.0.1", r));
    const at = `http://127.0.0.1:${(google.server.address() as AddressInfo).port}`;
    try {
      // Google linked user-1's account: account linking gave it "link-token".
      const linked = [{ partner: "google-home", accountId: "user-1", accessToken: "link-token", refreshToken: "r", expiresAt: Date.now() + 3_600_000 }];
      expect((await fetch(`${at}/__sandbox/accounts`, { method: "POST", body: JSON.stringify(linked) })).status).toBe(200);
      const sync = (agentUserId = "user-1") =>
        fetch(`${at}/google/v1/devices:requestSync`, {
          method: "POST",
          body: JSON.stringify({ agentUserId, async: true }),
          headers: { authorization: "Bearer proviso-to-google" },
        });
      // A user Google never linked: it has no token to ask with, and asks nothing.
      expect((await sync("user-unknown")).status).toBe(200);
      expect((await sync()).status).toBe(200);
      const answered = () => recorder.list({}).filter((m) => m.endpoint.endsWith("(SYNC response)"));
      for (let i = 0; i < 100 && answered().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(asked).toEqual([{ authorization: "Bearer link-token", body: { requestId: expect.any(String), inputs: [{ intent: "action.devices.SYNC" }] } }]);
      expect(answered()[0]).toMatchObject({
        partner: "google-home",
        status: 200,
        schemaValid: true,
        deviceIds: ["dev-7"],
        endpoint: "/v1/partners/google/fulfillment (SYNC response)",
      });
      // An answer Google would refuse is recorded as such.
      answer = { requestId: "", payload: { devices: [{ id: "dev-7" }] } };
      await sync();
      for (let i = 0; i < 100 && answered().length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      expect(answered()[1]).toMatchObject({ status: 200, schemaValid: false });
      expect(answered()[1]!.schemaErrors.length).toBeGreaterThan(0);
    } finally {
      await new Promise<void>((r) => google.server.close(() => r()));
      await new Promise<void>((r) => fulfillment.close(() => r()));
    }
  });

  it("injects a fault with Retry-After, then recovers when it is cleared", async () => {
    await fetch(`${base}/__sandbox/faults/google-home`, {
      method: "POST",
      body: JSON.stringify({ status: 429, retryAfterSeconds: 7 }),
    });
    const report = { requestId: "r-1", agentUserId: "a", payload: { devices: { states: { "dev-2": {} } } } };
    const faulted = await post("/google/v1/devices:reportStateAndNotification", report);
    expect(faulted.status).toBe(429);
    expect(faulted.headers.get("retry-after")).toBe("7");
    await fetch(`${base}/__sandbox/faults/google-home`, { method: "DELETE" });
    expect((await post("/google/v1/devices:reportStateAndNotification", report)).status).toBe(200);
  });

  it("refuses a fault it cannot honour, and a body that is not JSON", async () => {
    const bad = await fetch(`${base}/__sandbox/faults/alexa`, { method: "POST", body: JSON.stringify({ status: 1000 }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/status must be/);
    const notJson = await fetch(`${base}/alexa/v3/events`, { method: "POST", body: "{" });
    expect(notJson.status).toBe(400);
  });

  it("checks a webhook's Standard Webhooks signature and freshness as a receiver would, and its body against Proviso's webhook schema", async () => {
    const secret = `whsec_${Buffer.from("the partner's own webhook secret").toString("base64")}`;
    const next = `whsec_${Buffer.from("the secret a rotation brings in").toString("base64")}`;
    const receiver = createSandbox(new Recorder(), createMessageChecker(), { webhookSecrets: { smartthings: [secret] } });
    await new Promise<void>((r) => receiver.server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}/webhook/smartthings`;
    const message = {
      messageId: "w-1",
      partner: "smartthings",
      homeId: "0b9c7f4e-2f0a-4f57-9c43-1c1f5a0e0a01",
      deviceId: "0b9c7f4e-2f0a-4f57-9c43-1c1f5a0e0a02",
      observedAt: "2026-11-30T12:00:00.000Z",
      cause: "physical",
      properties: { temperature: 21 },
    };
    const deliver = (body: { messageId: string } & Record<string, unknown>, keys = [secret], at = Math.floor(Date.now() / 1000)) => {
      const raw = JSON.stringify(body);
      return fetch(url, { method: "POST", body: raw, headers: { "content-type": "application/json", ...webhook.signWebhook(keys, body.messageId, raw, at) } });
    };
    try {
      expect((await deliver(message)).status).toBe(200);
      const wrongKey = await deliver({ ...message, messageId: "w-2" }, [next]);
      expect(wrongKey.status).toBe(401);
      expect(((await wrongKey.json()) as { message: string }).message).toMatch(/no signature made with this receiver's secret/);
      const replayed = await deliver({ ...message, messageId: "w-3" }, [secret], Math.floor(Date.now() / 1000) - 3_600);
      expect(replayed.status).toBe(401);
      const unsigned = await fetch(url, { method: "POST", body: JSON.stringify(message) });
      expect(unsigned.status).toBe(401);
      const malformed = await deliver({ ...message, messageId: "w-4", deviceId: "lamp-7", properties: { mood: "happy" } });
      expect(malformed.status).toBe(400);

      const got = receiver.recorder.list({ partner: "smartthings" });
      expect(got.map((m) => [m.messageId, m.status, m.schemaValid])).toEqual([
        ["w-1", 200, true],
        ["w-2", 401, false],
        ["w-3", 401, false],
        ["w-1", 401, false],
        ["w-4", 400, false],
      ]);
      expect(got[2]!.schemaErrors[0]).toMatch(/^signature: webhook-timestamp is 360\d s from now; at most 300 s is accepted$/);
      expect(got[3]!.schemaErrors).toEqual(["signature: webhook-id, webhook-timestamp and webhook-signature are required"]);
      expect(got[4]!.schemaErrors.join(" ")).toMatch(/deviceId/);
      expect(got[4]!.schemaErrors.join(" ")).toMatch(/propertyNames|property name/);

      // Mid-rotation a message carries both signatures: the receiver that still has only the old secret takes it…
      expect((await deliver({ ...message, messageId: "w-5" }, [next, secret])).status).toBe(200);
      // …and once it is given the new one in place of the old, only the new one's signature counts.
      const given = await fetch(url.replace("/webhook/smartthings", "/__sandbox/webhook/secrets"), {
        method: "POST",
        body: JSON.stringify({ partner: "smartthings", secret: next, replace: true }),
      });
      expect(await given.json()).toEqual({ partner: "smartthings", secrets: 1 });
      expect((await deliver({ ...message, messageId: "w-6" }, [next, secret])).status).toBe(200);
      expect((await deliver({ ...message, messageId: "w-7" }, [secret])).status).toBe(401);
    } finally {
      await new Promise<void>((r) => receiver.server.close(() => r()));
    }
  });
});
