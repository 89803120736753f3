// Proviso's side of the broker's access control: an admin connection to the dynamic-security
// control API (Mosquitto's plugin, or the embedded broker's stand-in), and what Proviso asks of it:
// a role per device that may publish only to that device's own topics, a client per credential
// whose client id must be its key id (so no device can take another's connection, nor the
// worker's), and the worker's client, the one that reads the reports.
import mqtt, { type MqttClient } from "mqtt";

export const CONTROL_TOPIC = "$CONTROL/dynamic-security/v1";
const RESPONSE_TOPIC = `${CONTROL_TOPIC}/response`;
const DEVICES = "proviso/v1/devices";

/** The worker's role: the devices' reports and heartbeats, through a shared subscription or not. */
export const WORKER_ROLE = "proviso-worker";
const WORKER_ACLS = ["state", "heartbeat"].flatMap((kind) => [
  { acltype: "subscribePattern", topic: `$share/+/${DEVICES}/+/${kind}`, priority: 0, allow: true },
  { acltype: "subscribePattern", topic: `${DEVICES}/+/${kind}`, priority: 0, allow: true },
]);

export const deviceRole = (deviceId: string) => `proviso-device-${deviceId}`;
const deviceAcls = (deviceId: string) =>
  ["state", "heartbeat"].map((kind) => ({ acltype: "publishClientSend", topic: `${DEVICES}/${deviceId}/${kind}`, priority: 0, allow: true }));

/** Device credentials' usernames (key ids) are `dk_…`: the clients Proviso manages. */
export const isDeviceClient = (username: string) => /^dk_[a-z0-9]{20}$/.test(username);

export interface ControlResponse {
  command: string;
  error?: string;
  data?: Record<string, unknown>;
}

export class BrokerAdminError extends Error {}

export class BrokerAdmin {
  private queue: Promise<unknown> = Promise.resolve();
  private waiting: ((r: ControlResponse[]) => void) | null = null;

  private constructor(private readonly client: MqttClient) {
    client.on("message", (_topic, payload) => {
      const resolve = this.waiting;
      this.waiting = null;
      resolve?.((JSON.parse(payload.toString()) as { responses: ControlResponse[] }).responses);
    });
  }

  /** Connects as the broker's admin (`url` without credentials; they are given apart). */
  static async connect(url: string, admin: { username: string; password: string }): Promise<BrokerAdmin> {
    const client = await mqtt.connectAsync(url, {
      username: admin.username,
      password: admin.password,
      protocolVersion: 5,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      clientId: `proviso-admin-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    });
    await client.subscribeAsync(RESPONSE_TOPIC, { qos: 1 });
    return new BrokerAdmin(client);
  }

  /** Sends commands and waits for their answers (one message at a time: answers come in order). */
  run(commands: Record<string, unknown>[]): Promise<ControlResponse[]> {
    const next = this.queue.then(
      () =>
        new Promise<ControlResponse[]>((resolve, reject) => {
          const timer = setTimeout(() => reject(new BrokerAdminError("the broker did not answer its control API in 10 s")), 10_000);
          this.waiting = (r) => {
            clearTimeout(timer);
            resolve(r);
          };
          this.client.publish(CONTROL_TOPIC, JSON.stringify({ commands }), { qos: 1 }, (err) => err && reject(err));
        }),
    );
    this.queue = next.catch(() => {});
    return next;
  }

  /** Commands that must succeed (or fail only as `tolerated` says: "already exists", "not found"). */
  private async must(commands: Record<string, unknown>[], tolerated: RegExp | null = null) {
    const answers = await this.run(commands);
    const failed = answers.find((a) => a.error && !(tolerated && tolerated.test(a.error)));
    if (failed) throw new BrokerAdminError(`the broker refused ${failed.command}: ${failed.error}`);
    return answers;
  }

  /** The worker's role and client (idempotent): its password set to `password`. */
  async ensureWorker(username: string, password: string) {
    await this.must([{ command: "createRole", rolename: WORKER_ROLE, acls: WORKER_ACLS }], /already exists/);
    await this.must(
      WORKER_ACLS.map((acl) => ({ command: "addRoleACL", rolename: WORKER_ROLE, ...acl })),
      /already exists/,
    );
    const [created] = await this.run([{ command: "createClient", username, password, roles: [{ rolename: WORKER_ROLE }] }]);
    if (created?.error && !/already exists/.test(created.error)) throw new BrokerAdminError(`the broker refused createClient: ${created.error}`);
    if (!created?.error) return;
    // There already: its password set again, and the role given if it lacks it (Mosquitto answers
    // "Internal error" to a role a client already has).
    const [, got] = await this.must([
      { command: "setClientPassword", username, password },
      { command: "getClient", username },
    ]);
    const roles = ((got?.data as { client?: { roles?: { rolename: string }[] } } | undefined)?.client?.roles ?? []).map((r) => r.rolename);
    if (!roles.includes(WORKER_ROLE)) await this.must([{ command: "addClientRole", username, rolename: WORKER_ROLE }]);
  }

  /** A device credential: the device's role (made once) and a client for the key, its client id bound to the key id. */
  async grantDevices(credentials: readonly { deviceId: string; keyId: string; secret: string }[]) {
    for (let i = 0; i < credentials.length; i += 200) {
      const chunk = credentials.slice(i, i + 200);
      await this.must(
        chunk.map((c) => ({ command: "createRole", rolename: deviceRole(c.deviceId), acls: deviceAcls(c.deviceId) })),
        /already exists/,
      );
      const answers = await this.run(
        chunk.map((c) => ({
          command: "createClient",
          username: c.keyId,
          password: c.secret,
          clientid: c.keyId,
          roles: [{ rolename: deviceRole(c.deviceId) }],
        })),
      );
      // A client made before (a start again on a broker that kept its state): given the secret again.
      const again = chunk.filter((_, j) => answers[j]?.error && /already exists/.test(answers[j]!.error!));
      const failed = answers.find((a) => a.error && !/already exists/.test(a.error));
      if (failed) throw new BrokerAdminError(`the broker refused createClient: ${failed.error}`);
      if (again.length) await this.must(again.map((c) => ({ command: "setClientPassword", username: c.keyId, password: c.secret })));
    }
  }

  /** Deletes credentials' clients: connections using them end at once. */
  async revoke(keyIds: readonly string[]) {
    for (let i = 0; i < keyIds.length; i += 200) {
      await this.must(
        keyIds.slice(i, i + 200).map((username) => ({ command: "deleteClient", username })),
        /not found/,
      );
    }
  }

  async listClients(): Promise<string[]> {
    const [answer] = await this.must([{ command: "listClients", verbose: false, count: -1, offset: 0 }]);
    return ((answer?.data as { clients?: string[] } | undefined)?.clients ?? []).map(String);
  }

  close(): Promise<void> {
    return this.client.endAsync();
  }
}
