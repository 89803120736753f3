import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSandbox } from "./server";

let base = "";
const { server } = createSandbox();
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const post = (path: string, body: unknown) =>
  fetch(base + path, { method: "POST", body: JSON.stringify(body), headers: { authorization: "Bearer t" } });

describe("partner sandbox", () => {
  it("answers Alexa events with 202 and records them per device", async () => {
    const event = { event: { header: { messageId: "m-1" }, endpoint: { endpointId: "dev-1" }, payload: {} } };
    expect((await post("/alexa/v3/events", event)).status).toBe(202);
    const listed = (await (await fetch(`${base}/__sandbox/messages?partner=alexa&device=dev-1`)).json()) as {
      messages: Record<string, unknown>[];
    };
    expect(listed.messages).toHaveLength(1);
    expect(listed.messages[0]).toMatchObject({ messageId: "m-1", status: 202, authorization: "Bearer t" });
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
});
