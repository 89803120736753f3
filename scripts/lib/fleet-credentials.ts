// The demo fleet's credentials, as a maker's factory keeps them: issued once per device (the secret
// shown once, here written to a file only the launcher's user can read, for the simulator that
// plays the devices), and an ingest client for the simulator's HTTP mode (the maker's cloud). On
// every start the broker is given any the file holds that it does not (an embedded broker's state
// lost, a new Mosquitto), and the worker's own client.
import { BrokerAdmin } from "@proviso/broker";
import { activeDeviceKeyIds, issueFleetCredentials, issueIngestClient, type DeviceCredential } from "@proviso/core";
import { createDb, devices, ingestClients } from "@proviso/db";
import { and, eq, isNull } from "drizzle-orm";
import fs from "node:fs";

export interface FleetManifest {
  devices: DeviceCredential[];
  /** The simulator's HTTP mode speaks as the maker's cloud: every device. */
  ingestClient: { keyId: string; token: string } | null;
}

export function readManifest(file: string): FleetManifest {
  if (!fs.existsSync(file)) return { devices: [], ingestClient: null };
  return JSON.parse(fs.readFileSync(file, "utf8")) as FleetManifest;
}

function writeManifest(file: string, manifest: FleetManifest) {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(manifest), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** Every device has a working credential in the file (issued now for those that do not); resolves with how many were issued. */
export async function ensureFleetCredentials(databaseUrl: string, file: string): Promise<number> {
  const handle = createDb(databaseUrl, { max: 1, applicationName: "proviso-launcher" });
  try {
    const manifest = readManifest(file);
    const active = await activeDeviceKeyIds(handle.db);
    const kept = manifest.devices.filter((c) => active.has(c.keyId));
    const covered = new Set(kept.map((c) => c.deviceId));
    const all = await handle.db.select({ id: devices.id }).from(devices);
    const issued = await issueFleetCredentials(
      handle.db,
      all.map((d) => d.id).filter((id) => !covered.has(id)),
    );
    let ingestClient = manifest.ingestClient;
    if (ingestClient) {
      const [row] = await handle.db
        .select({ id: ingestClients.id })
        .from(ingestClients)
        .where(and(eq(ingestClients.keyId, ingestClient.keyId), isNull(ingestClients.revokedAt)));
      if (!row) ingestClient = null;
    }
    ingestClient ??= await issueIngestClient(handle.db, { name: "Simulated fleet's cloud (demo)", homeIds: null });
    writeManifest(file, { devices: [...kept, ...issued], ingestClient: { keyId: ingestClient.keyId, token: ingestClient.token } });
    return issued.length;
  } finally {
    await handle.close();
  }
}

/** The broker holds the worker's client and every credential of the file it lacks; resolves with how many it was given. */
export async function provisionBroker(
  url: string,
  admin: { username: string; password: string },
  worker: { username: string; password: string },
  file: string,
): Promise<number> {
  const broker = await BrokerAdmin.connect(url, admin);
  try {
    await broker.ensureWorker(worker.username, worker.password);
    const present = new Set(await broker.listClients());
    const missing = readManifest(file).devices.filter((c) => !present.has(c.keyId));
    await broker.grantDevices(missing);
    return missing.length;
  } finally {
    await broker.close();
  }
}
