// Partners asking (Alexa's directives, Google's intents), answered only with what on-request terms and
// consent allow, in each platform's own shape, and every answer recorded in the ledger.
import { describe, expect, it, vi } from "vitest";
import { lockDevice, thermostat, useHarness } from "../testing/harness";
import { partnerLinks } from "@proviso/db";
import { createMessageChecker } from "@proviso/partners";
import { eq } from "drizzle-orm";
import { stableId } from "@proviso/seed";

const h = useHarness();
const askAlexa = async (body: unknown) => (await h.ask((a) => a.alexa, body)).body;
const askGoogle = async (token: string, body: unknown) => (await h.ask((a) => a.google, body, token)).body;

/** The Berg home's thermostat and lock as they last reported (what partners asking are answered from). */
const reported = () =>
  h.ingest(
    h.report(thermostat, { temperature: 21.26, heatingSetpoint: 20, hvacMode: "heat", humidity: 40 }),
    h.report(lockDevice, { lockState: "unlocked", contactState: "closed" }),
  );

describe("partners asking", () => {
  it("answers Alexa's ReportState with only what on-request terms and consent allow, schema-valid", async () => {
    await reported();
    await h.setConsent("alexa", "user.device.sensor.temperature", "on_request");
    await h.setConsent("alexa", "user.device.sensor.setpoint", "off");
    const token = await h.token(stableId("link:0:alexa"));
    const answer = (await askAlexa({
      directive: {
        header: { namespace: "Alexa", name: "ReportState", messageId: "m-1", correlationToken: "corr-1", payloadVersion: "3" },
        endpoint: { scope: { type: "BearerToken", token }, endpointId: thermostat },
        payload: {},
      },
    })) as { context: { properties: { namespace: string; name: string }[] } };
    expect(createMessageChecker().alexa(answer).valid).toBe(true);
    const props = answer.context.properties.map((p) => `${p.namespace}.${p.name}`);
    expect(props).toContain("Alexa.TemperatureSensor.temperature");
    expect(props).not.toContain("Alexa.ThermostatController.targetSetpoint");
    const recorded = await h.t.pool.query("select category_key, outcome from decisions where stage = 'request' and partner_id = 'alexa' order by category_key");
    const outcome = (c: string) => recorded.rows.find((r) => r.category_key === `user.device.sensor.${c}`)?.outcome;
    expect(outcome("setpoint")).toBe("withhold");
    expect(["send", "transform"]).toContain(outcome("temperature"));
    // Discovery declares only what may be told, with flags that follow the terms and consent.
    const discovery = (await askAlexa({ directive: { header: { namespace: "Alexa.Discovery", name: "Discover" }, payload: { scope: { token } } } })) as {
      event: { payload: { endpoints: { endpointId: string; capabilities: unknown[] }[] } };
    };
    expect(createMessageChecker().alexa(discovery).valid).toBe(true);
    const caps = discovery.event.payload.endpoints.find((e) => e.endpointId === thermostat)!.capabilities as { interface: string; properties?: object }[];
    expect(caps.find((c) => c.interface === "Alexa.TemperatureSensor")!.properties).toMatchObject({ retrievable: true, proactivelyReported: false });
    // A token that stands for no link: refused, in Alexa's own error shape.
    const refused = await h.ask((a) => a.alexa, {
      directive: { header: { namespace: "Alexa.Discovery", name: "Discover" }, payload: { scope: { token: "stolen" } } },
    });
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ event: { header: { name: "ErrorResponse" }, payload: { type: "INVALID_AUTHORIZATION_CREDENTIAL" } } });
    expect(createMessageChecker().alexa(refused.body).valid).toBe(true);
  });

  it("answers Google's QUERY and SYNC in Google's format", async () => {
    await reported();
    const token = await h.token(stableId("link:0:google-home"));
    const query = (await askGoogle(token, {
      requestId: "q-1",
      inputs: [{ intent: "action.devices.QUERY", payload: { devices: [{ id: thermostat }, { id: lockDevice }] } }],
    })) as {
      payload: { devices: Record<string, unknown> };
    };
    expect(query.payload.devices[thermostat]).toMatchObject({ status: "SUCCESS", thermostatMode: "heat" });
    expect(query.payload.devices[lockDevice]).toMatchObject({ status: "SUCCESS", isLocked: false });
    const sync = (await askGoogle(token, { requestId: "s-1", inputs: [{ intent: "action.devices.SYNC" }] })) as {
      payload: { devices: { id: string }[] };
    };
    const lock = sync.payload.devices.find((d) => d.id === lockDevice)!;
    expect(lock).toMatchObject({ willReportState: false, traits: ["action.devices.traits.LockUnlock"] });
    // Another platform's link's token, the link's id (the old placeholder), a guess, or none answers nothing.
    for (const other of [await h.token(stableId("link:0:alexa")), `sandbox-${stableId("link:0:google-home")}`, `pat_${"A".repeat(43)}`, ""]) {
      const refused = await h.ask((a) => a.google, { requestId: "s-2", inputs: [{ intent: "action.devices.SYNC" }] }, other);
      expect(refused).toEqual({ status: 401, body: { requestId: "s-2", payload: { errorCode: "authFailure", debugString: expect.any(String) } } });
    }
  });

  it("answers connectivity on request only where terms and consent allow it, and the ledger says which", async () => {
    await reported();
    const CONNECTIVITY = "user.device.telemetry.connectivity";
    await h.t.pool.query("update device_shadow set reachable = false where device_id = $1", [thermostat]);
    try {
      const googleToken = await h.token(stableId("link:0:google-home"));
      const query = async () =>
        (
          (await askGoogle(googleToken, { requestId: "q-c", inputs: [{ intent: "action.devices.QUERY", payload: { devices: [{ id: thermostat }] } }] })) as {
            payload: { devices: Record<string, { online: boolean }> };
          }
        ).payload.devices[thermostat]!;
      const lastDecision = async (partner: string) =>
        (
          await h.t.pool.query(
            "select outcome, reasons from decisions where stage = 'request' and partner_id = $1 and device_id = $2 and category_key = $3 order by id desc limit 1",
            [partner, thermostat, CONNECTIVITY],
          )
        ).rows[0];
      // Google's terms share connectivity on request; the homeowner has not (yet) said yes.
      await h.setConsent("google-home", CONNECTIVITY, "off");
      expect((await query()).online).toBe(true); // Google's schema wants `online`: always true, it tells nothing
      expect(await lastDecision("google-home")).toMatchObject({ outcome: "withhold" });
      await h.setConsent("google-home", CONNECTIVITY, "on_request");
      expect((await query()).online).toBe(false);
      expect(await lastDecision("google-home")).toMatchObject({ outcome: "send" });
      // Alexa's agreement does not cover connectivity at all: no EndpointHealth in its answer.
      const alexaToken = await h.token(stableId("link:0:alexa"));
      const report = (await askAlexa({
        directive: {
          header: { namespace: "Alexa", name: "ReportState", correlationToken: "c" },
          endpoint: { endpointId: thermostat, scope: { token: alexaToken } },
        },
      })) as { context: { properties: { namespace: string }[] } };
      expect(report.context.properties.map((p) => p.namespace)).not.toContain("Alexa.EndpointHealth");
      expect(await lastDecision("alexa")).toMatchObject({
        outcome: "withhold",
        reasons: expect.arrayContaining([expect.objectContaining({ code: "CATEGORY_NOT_COVERED" })]),
      });
    } finally {
      await h.t.pool.query("update device_shadow set reachable = true where device_id = $1", [thermostat]);
      await h.setConsent("google-home", CONNECTIVITY, "off");
    }
  });

  it("handles Alexa's AcceptGrant: exchanges the code and keeps the tokens encrypted", async () => {
    const alexaToken = await h.token(stableId("link:0:alexa"));
    const grantWith = (code: string, token: string) =>
      h.ask((a) => a.alexa, {
        directive: {
          header: { namespace: "Alexa.Authorization", name: "AcceptGrant", messageId: "g-1", payloadVersion: "3" },
          payload: { grant: { type: "OAuth2.AuthorizationCode", code }, grantee: { type: "BearerToken", token } },
        },
      });
    const grant = async (code: string) => (await grantWith(code, alexaToken)).body;
    // Without a valid token for the link, a grant is refused before its code is looked at: no tokens are kept.
    for (const token of [`sandbox-${stableId("link:0:alexa")}`, await h.token(stableId("link:0:google-home")), ""]) {
      const refused = await grantWith("code-attacker", token);
      expect(refused.status).toBe(401);
      const [untouched] = await h.t.db
        .select()
        .from(partnerLinks)
        .where(eq(partnerLinks.id, stableId("link:0:alexa")));
      expect(untouched!.accessTokenEnc).toBeNull();
    }
    // Nothing secret reaches the logs or the audit chain: only that a grant was accepted.
    const logged: string[] = [];
    const spies = (["log", "info", "warn", "error"] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(" "))),
    );
    const ok = (await grant("code-123")) as { event: { header: { name: string } } };
    for (const spy of spies) spy.mockRestore();
    expect(ok.event.header.name).toBe("AcceptGrant.Response");
    expect(createMessageChecker().alexa(ok).valid).toBe(true);
    const [link] = await h.t.db
      .select()
      .from(partnerLinks)
      .where(eq(partnerLinks.id, stableId("link:0:alexa")));
    expect(link!.accessTokenEnc).toMatch(/^v2:/);
    expect(link!.accessTokenEnc).not.toContain("Atza");
    const accessToken = h.cipher.decrypt(link!.accessTokenEnc!, link!.id);
    expect(accessToken).toMatch(/^Atza\|/);
    const refreshToken = h.cipher.decrypt(link!.refreshTokenEnc!, link!.id);
    const entries = (await h.t.pool.query("select action, details::text as details from audit_log where entity_id = $1", [stableId("link:0:alexa")])).rows as {
      action: string;
      details: string;
    }[];
    expect(entries.map((e) => e.action)).toContain("link.grant_accepted");
    for (const secret of [accessToken, refreshToken, "code-123"]) {
      expect(entries.some((e) => e.details.includes(secret))).toBe(false);
      expect(logged.some((line) => line.includes(secret))).toBe(false);
    }
    const failed = (await grant("invalid")) as { event: { header: { name: string }; payload: { type: string } } };
    expect(failed.event).toMatchObject({ header: { name: "ErrorResponse" }, payload: { type: "ACCEPT_GRANT_FAILED" } });
  });
});
