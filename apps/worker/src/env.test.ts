// The worker's own settings: where Google's requestSync goes.
import { describe, expect, it } from "vitest";
import { parseWorker } from "./env";

describe("worker settings", () => {
  it("puts requestSync beside a standard Report State URL, takes one given, and refuses what it cannot derive", () => {
    expect(parseWorker({}).GOOGLE_REQUEST_SYNC_URL).toBeUndefined();
    const homegraph = "https://homegraph.googleapis.com/v1/devices:reportStateAndNotification";
    expect(() => parseWorker({ GOOGLE_REPORT_STATE_URL: homegraph })).not.toThrow();
    expect(parseWorker({ GOOGLE_REPORT_STATE_URL: "https://proxy.example/report", GOOGLE_REQUEST_SYNC_URL: "https://proxy.example/sync" }).GOOGLE_REQUEST_SYNC_URL).toBe(
      "https://proxy.example/sync",
    );
    expect(() => parseWorker({ GOOGLE_REPORT_STATE_URL: "https://proxy.example/report" })).toThrow(/GOOGLE_REQUEST_SYNC_URL: set it/);
  });
});
