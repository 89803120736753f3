// Alexa has three event gateways (North America, Europe and India, Far East): each link's events
// go to its region's, which an EU home's ChangeReport proves.
import { describe, expect, it } from "vitest";
import { createAdapters } from "../registry";
import { alexaGateway } from "./index";

const link = (region: string) => ({
  linkId: "l-1",
  homeId: "00000000-0000-4000-8000-000000000001",
  partnerId: "alexa",
  adapter: "alexa" as const,
  externalAccountId: "acct",
  region,
  accessToken: "Atza|t",
  refreshToken: null,
  callbackUrls: null,
});

describe("Alexa's regional event gateways", () => {
  it("maps a link's region to its gateway", () => {
    expect(["US", "CA", "MX", "BR"].map(alexaGateway)).toEqual(["NA", "NA", "NA", "NA"]);
    expect(["EU", "GB", "DE", "fr", "IN"].map(alexaGateway)).toEqual(["EU", "EU", "EU", "EU", "EU"]);
    expect(["JP", "AU"].map(alexaGateway)).toEqual(["FE", "FE"]);
  });

  it("sends each link's events to its region's gateway, as configured", () => {
    const alexa = createAdapters(
      {
        ALEXA_EVENTS_URL: "https://api.amazonalexa.com/v3/events",
        ALEXA_EVENTS_URL_EU: "https://api.eu.amazonalexa.com/v3/events",
        ALEXA_EVENTS_URL_FE: "https://api.fe.amazonalexa.com/v3/events",
      },
      "http://sandbox",
    ).alexa;
    const send = (region: string) =>
      alexa.stateRequest({
        link: link(region),
        device: { deviceId: "00000000-0000-4000-8000-000000000002", homeId: link(region).homeId, kind: "sensor" },
        messageId: "m-1",
        change: { cause: "physical", observedAt: "2026-12-08T00:00:00Z", changed: { temperature: 20 }, current: {} },
        now: Date.now(),
      });
    expect(send("EU")).toMatchObject({ url: "https://api.eu.amazonalexa.com/v3/events" });
    expect(send("US")).toMatchObject({ url: "https://api.amazonalexa.com/v3/events" });
    expect(send("JP")).toMatchObject({ url: "https://api.fe.amazonalexa.com/v3/events" });
    // The sandbox's three by default.
    const sandboxed = createAdapters({}, "http://sandbox").alexa.discoveryRequests(link("EU"), "m-2", {
      upserts: [],
      deletes: ["00000000-0000-4000-8000-000000000002"],
    });
    expect(sandboxed[0]!.url).toBe("http://sandbox/alexa/eu/v3/events");
  });
});
