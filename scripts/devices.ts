// `npm run devices -- <command>`: device credentials and ingest clients, issued, rotated and revoked
// as the integration API will (the database and the broker both told). The secret is printed once.
//
//   issue <deviceId> [--json]                       a credential for a device (beside any it has)
//   rotate <deviceId> [--grace-seconds N] [--json]  a new one; the old ones work N s more (default a day)
//   revoke <deviceId> [--key <keyId>]               ends them (or one) at once; MQTT connections end too
//   list <deviceId>                                 its credentials and their state (never a secret)
//   ingest-client --name <name> [--home <homeId>]... [--json]
//                                                   a token for a cloud or gateway (every device, or its homes')
//   revoke-client <keyId>                           ends an ingest client's token at once
import { BrokerAdmin } from "@proviso/broker";
import { ConfigError, type RuntimeConfig } from "@proviso/config";
import {
  issueDeviceCredential,
  issueIngestClient,
  revokeDeviceCredentials,
  revokeIngestClient,
  rotateDeviceCredential,
  type BrokerGrants,
} from "@proviso/core";
import { createDb, deviceCredentials } from "@proviso/db";
import { desc, eq } from "drizzle-orm";
import { parseArgs } from "node:util";
import { scriptConfig } from "./lib/runtime-config";

const USAGE = "usage: npm run devices -- issue|rotate|revoke|list <deviceId> | ingest-client --name <name> [--home <homeId>]... | revoke-client <keyId>";

function fail(message: string): never {
  console.error(`devices: ${message}`);
  process.exit(2);
}

let cfg: RuntimeConfig;
try {
  cfg = scriptConfig();
} catch (err) {
  fail(err instanceof ConfigError ? err.message : String(err));
}
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    json: { type: "boolean" },
    key: { type: "string" },
    name: { type: "string" },
    home: { type: "string", multiple: true },
    "grace-seconds": { type: "string" },
  },
});
const [command, target] = positionals;
if (!command) fail(USAGE);

/** The broker, as its admin (the embedded broker's password is in the data directory, as `npm start` made it). */
async function broker(): Promise<{ grants: BrokerGrants; close: () => Promise<void> }> {
  const password = cfg.MQTT_ADMIN_PASSWORD;
  if (!password) fail("no broker admin password: set MQTT_ADMIN_PASSWORD (or run npm start once, which generates one into the data directory)");
  const admin = await BrokerAdmin.connect(cfg.mqttUrl, { username: cfg.MQTT_ADMIN_USERNAME, password }).catch((err: Error) =>
    fail(`the broker at ${cfg.mqttUrl} cannot be told, so nothing is issued: ${err.message}`),
  );
  return { grants: { grant: (c) => admin.grantDevices([c]), revoke: (keys) => admin.revoke(keys) }, close: () => admin.close() };
}

const handle = createDb(cfg.databaseUrl, { max: 1, applicationName: "proviso-devices" });
const print = (value: Record<string, unknown>, text: string) => console.log(values.json ? JSON.stringify(value) : text);
try {
  if (command === "list") {
    if (!target) fail(USAGE);
    const rows = await handle.db
      .select({
        keyId: deviceCredentials.keyId,
        createdAt: deviceCredentials.createdAt,
        expiresAt: deviceCredentials.expiresAt,
        revokedAt: deviceCredentials.revokedAt,
      })
      .from(deviceCredentials)
      .where(eq(deviceCredentials.deviceId, target))
      .orderBy(desc(deviceCredentials.createdAt));
    for (const r of rows) {
      const state = r.revokedAt ? `revoked ${r.revokedAt.toISOString()}` : r.expiresAt ? `works until ${r.expiresAt.toISOString()}` : "works";
      console.log(`${r.keyId}  issued ${r.createdAt.toISOString()}  ${state}`);
    }
  } else if (command === "issue" || command === "rotate" || command === "revoke") {
    if (!target) fail(USAGE);
    const b = await broker();
    try {
      if (command === "issue") {
        const c = await issueDeviceCredential(handle.db, target, { grants: b.grants });
        print({ ...c }, `${c.keyId}\nsecret (shown once): ${c.secret}\nMQTT: client id ${c.deviceId}, username ${c.keyId}; HTTP: Bearer ${c.token}`);
      } else if (command === "rotate") {
        const grace = values["grace-seconds"] === undefined ? undefined : Number(values["grace-seconds"]);
        if (grace !== undefined && !(grace >= 0)) fail("--grace-seconds must be a number of seconds, 0 or more");
        const c = await rotateDeviceCredential(handle.db, target, { grants: b.grants, graceSeconds: grace });
        print({ ...c }, `${c.keyId}\nsecret (shown once): ${c.secret}\nthe previous credentials work until ${c.previousUntil.toISOString()}`);
      } else {
        const revoked = await revokeDeviceCredentials(handle.db, target, { keyId: values.key, grants: b.grants });
        print({ revoked }, revoked.length ? `revoked ${revoked.join(", ")}` : "nothing to revoke");
      }
    } finally {
      await b.close();
    }
  } else if (command === "ingest-client") {
    if (!values.name) fail("--name is required");
    const c = await issueIngestClient(handle.db, { name: values.name, homeIds: values.home?.length ? values.home : null });
    print({ ...c }, `${c.keyId} (${values.home?.length ? `homes ${values.home.join(", ")}` : "every device"})\ntoken (shown once): ${c.token}`);
  } else if (command === "revoke-client") {
    if (!target) fail(USAGE);
    const revoked = await revokeIngestClient(handle.db, target);
    print({ revoked }, revoked ? "revoked" : "no such ingest client, or already revoked");
  } else fail(USAGE);
} catch (err) {
  fail((err as Error).message);
} finally {
  await handle.close();
}
