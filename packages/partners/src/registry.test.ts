// Each platform's settings, read from the environment with the sandbox for what is unset.
import { describe, expect, it } from "vitest";
import { requestSyncBeside } from "./google";
import { createAdapters, platformSettingsErrors } from "./registry";

describe("platform settings", () => {
  it("put requestSync beside a standard Report State URL, take one given, and refuse what they cannot derive", () => {
    expect(requestSyncBeside("https://homegraph.googleapis.com/v1/devices:reportStateAndNotification")).toBe(
      "https://homegraph.googleapis.com/v1/devices:requestSync",
    );
    expect(requestSyncBeside("https://proxy.example/report")).toBeNull();
    expect(platformSettingsErrors({})).toEqual([]);
    expect(platformSettingsErrors({ GOOGLE_REPORT_STATE_URL: "https://homegraph.googleapis.com/v1/devices:reportStateAndNotification" })).toEqual([]);
    expect(platformSettingsErrors({ GOOGLE_REPORT_STATE_URL: "https://proxy.example/report", GOOGLE_REQUEST_SYNC_URL: "https://proxy.example/sync" })).toEqual(
      [],
    );
    expect(platformSettingsErrors({ GOOGLE_REPORT_STATE_URL: "https://proxy.example/report" })).toEqual([
      expect.stringMatching(/^GOOGLE_REQUEST_SYNC_URL: set it/),
    ]);
    expect(platformSettingsErrors({ WEBHOOK_BASE_URL: "not a url either", ALEXA_EVENTS_URL: "not a url" })).toHaveLength(2);
  });

  it("default to the sandbox, which plays every platform", async () => {
    const adapters = createAdapters({}, "http://localhost:3002");
    const link = {
      linkId: "l",
      homeId: "h",
      partnerId: "google-home",
      adapter: "google" as const,
      externalAccountId: "agent-1",
      region: "us",
      accessToken: null,
      refreshToken: null,
      callbackUrls: null,
    };
    const [sync] = adapters.google.discoveryRequests(link, "m", { upserts: [], deletes: ["d"] });
    expect(sync!.url).toBe("http://localhost:3002/google/v1/devices:requestSync");
    expect(adapters.google.requestsPerMinute).toBe(6_000);
    expect(createAdapters({ GOOGLE_REQUESTS_PER_MINUTE: "0" }, "http://x").google.requestsPerMinute).toBeNull();
  });
});
