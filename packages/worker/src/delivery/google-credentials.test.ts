// Home Graph calls carry an OAuth token obtained as Proviso's service account (google-auth-library:
// a signed JWT assertion exchanged at Google's token endpoint, which the sandbox plays with the
// account's public key); a call without one, or with an assertion signed by another key, is refused.
import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sandboxAdapters } from "../testing/support";
import { thermostat, useHarness } from "../testing/harness";
import { deliverDue } from "./deliver";

const h = useHarness();
const EMAIL = "proviso-homegraph@test.iam.gserviceaccount.com";
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proviso-google-sa-"));
afterAll(() => {
  h.sandbox.options.googleServiceAccount = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKey: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

/** A key file as Google gives one, its token endpoint the sandbox's. */
function keyFile(name: string, privateKey: string): string {
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify({ type: "service_account", client_email: EMAIL, private_key: privateKey, token_uri: `${h.base}/google/oauth2/token` }));
  return file;
}

const deliverWith = (env: Record<string, string>) => deliverDue({ ...h.deliveryDeps(), adapters: sandboxAdapters(h.base, env), now: () => h.clock });
const reportStates = () => h.received("google-home").filter((m) => m.endpoint.endsWith("devices:reportStateAndNotification"));

describe("Proviso's own credential toward Google", () => {
  it("Report State carries a token Google's token endpoint issued to the service account; without one, Home Graph refuses", async () => {
    const account = keyPair();
    h.sandbox.options.googleServiceAccount = { clientEmail: EMAIL, publicKey: account.publicKey };
    const file = keyFile("proviso", account.privateKey);

    await h.ingest(h.report(thermostat, { temperature: 22.4, heatingSetpoint: 21, hvacMode: "heat" }));
    // The placeholder bearer of old: refused, even after the one refresh a 401 earns.
    await deliverWith({});
    expect(reportStates().map((m) => m.status)).toEqual([401, 401]);
    await h.ingest(h.report(thermostat, { temperature: 22.9, heatingSetpoint: 21, hvacMode: "heat" }));
    expect((await deliverWith({ GOOGLE_SERVICE_ACCOUNT_FILE: file })).delivered).toBe(1);
    const sent = reportStates().at(-1)!;
    expect(sent).toMatchObject({ status: 200, schemaValid: true });
    expect(sent.authorization).toMatch(/^Bearer ya29\.sandbox-/);
  });

  it("an assertion signed with another key gets no token, and nothing reaches Home Graph", async () => {
    const account = keyPair();
    h.sandbox.options.googleServiceAccount = { clientEmail: EMAIL, publicKey: account.publicKey };
    const impostor = keyFile("impostor", keyPair().privateKey);
    const before = reportStates().length;
    await h.ingest(h.report(thermostat, { temperature: 23.1, heatingSetpoint: 21, hvacMode: "heat" }));
    const r = await deliverWith({ GOOGLE_SERVICE_ACCOUNT_FILE: impostor });
    expect(r.delivered).toBe(0);
    expect(reportStates().length).toBe(before);
    const [row] = (await h.t.pool.query("select status, last_error from outbox where kind = 'google.state' order by created_at desc limit 1")).rows;
    expect(row.status).toBe("retrying");
    expect(row.last_error).toMatch(/signature|invalid_grant/);
  });
});
