// Carries the simulated fleet's reports and heartbeats to the worker: over MQTT (QoS 1, one message
// per report, each device on its own connection with its own credential, as a device publishes) or
// over HTTP (`POST /v1/state-reports` in batches the worker takes, `POST /v1/heartbeats`, with the
// maker's cloud's ingest-client token). Over HTTP, what the worker could not take (it is down, restarting,
// or answered 5xx) is kept and sent again, up to a bound past which the oldest reports are dropped,
// as a device's own buffer would; a batch the worker refuses as bad (4xx) is dropped and counted.
import { MAX_HEARTBEATS_PER_REQUEST, MAX_REPORTS_PER_REQUEST } from "@proviso/domain";
import mqtt from "mqtt";
import type { Report } from "./behaviour";

export interface TransportStats {
  /** Reports the worker took (MQTT: published; HTTP: answered accepted). */
  sent: number;
  /** Reports the worker answered as rejected, by reason code (HTTP only: MQTT does not say). */
  rejected: Record<string, number>;
  heartbeats: number;
  /** Reports given up: refused as a whole, or past the buffer while the worker was away. */
  dropped: number;
  /** Reports waiting to be sent again. */
  queued: number;
  lastError: string | null;
}

export interface Transport {
  readonly name: string;
  /** Whether it can take reports now (MQTT: connected; HTTP: always, it keeps what fails). */
  ready(): boolean;
  send(reports: Report[]): void;
  heartbeat(deviceIds: string[]): void;
  /** Sends what is waiting (HTTP); resolves when that attempt is done. */
  flush(): Promise<void>;
  stats(): TransportStats;
  close(): Promise<void>;
}

const emptyStats = (): TransportStats => ({ sent: 0, rejected: {}, heartbeats: 0, dropped: 0, queued: 0, lastError: null });

/** A device's MQTT credential: username `keyId`, password `secret`, client id its own id. */
export interface DeviceLogin {
  keyId: string;
  secret: string;
}

/** One connection per device, each with the device's own credential; `onConnect` once the first is up. */
export function mqttTransport(url: string, logins: ReadonlyMap<string, DeviceLogin>, onConnect: () => void): Transport {
  const stats = emptyStats();
  const clients = new Map<string, mqtt.MqttClient>();
  for (const [deviceId, login] of logins) {
    const client = mqtt.connect(url, { clientId: login.keyId, username: login.keyId, password: login.secret, reconnectPeriod: 1_000 });
    client.on("error", (err) => (stats.lastError = `${deviceId}: ${err.message}`));
    client.on("connect", () => {
      stats.lastError = null;
      onConnect();
    });
    clients.set(deviceId, client);
  }
  // A device with no credential cannot publish: its reports are dropped and counted.
  const publish = (deviceId: string, kind: "state" | "heartbeat", body: string) => {
    const client = clients.get(deviceId);
    if (!client) return false;
    client.publish(`proviso/v1/devices/${deviceId}/${kind}`, body, { qos: 1 });
    return true;
  };
  return {
    name: "mqtt",
    ready: () => [...clients.values()].some((c) => c.connected),
    send(reports) {
      for (const r of reports) {
        if (publish(r.deviceId, "state", JSON.stringify(r))) stats.sent++;
        else stats.dropped++;
      }
    },
    heartbeat(ids) {
      const body = JSON.stringify({ at: new Date().toISOString() });
      for (const id of ids) if (publish(id, "heartbeat", body)) stats.heartbeats++;
    },
    flush: async () => {},
    stats: () => ({ ...stats, queued: [...clients.values()].reduce((n, c) => n + c.queue.length, 0) }),
    close: async () => {
      await Promise.all([...clients.values()].map((c) => c.endAsync()));
    },
  };
}

export interface HttpTransportOptions {
  /** The bearer token it speaks with (the maker's cloud's ingest client). */
  token?: string;
  /** Reports kept for sending again while the worker cannot take them. */
  maxQueued?: number;
  fetch?: typeof fetch;
}

type Answer = { ok: true; body: unknown } | { ok: false; retry: boolean; error: string };

/** POSTs JSON to the worker: its answer, or whether to try again (5xx, 429, no answer) and why not. */
async function postTo(doFetch: typeof fetch, url: string, path: string, body: unknown, token: string | undefined): Promise<Answer> {
  try {
    const headers = { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) };
    const res = await doFetch(`${url}${path}`, { method: "POST", body: JSON.stringify(body), headers });
    const text = await res.text();
    if (res.ok) return { ok: true, body: JSON.parse(text) };
    return { ok: false, retry: res.status >= 500 || res.status === 429, error: `${path}: ${res.status} ${text.slice(0, 200)}` };
  } catch (err) {
    return { ok: false, retry: true, error: `${path}: ${(err as Error).message}` };
  }
}

export function httpTransport(workerUrl: string, opts: HttpTransportOptions = {}): Transport {
  const stats = emptyStats();
  const maxQueued = opts.maxQueued ?? 50_000;
  const doFetch = opts.fetch ?? fetch;
  let reports: Report[] = [];
  let beats = new Set<string>();
  let flushing: Promise<void> | null = null;

  const keepWithinBound = () => {
    if (reports.length <= maxQueued) return;
    const over = reports.length - maxQueued;
    stats.dropped += over;
    reports = reports.slice(over);
  };

  const post = async (path: string, body: unknown): Promise<Answer> => {
    const answer = await postTo(doFetch, workerUrl, path, body, opts.token);
    if (answer.ok) stats.lastError = null;
    return answer;
  };

  const sendReports = async (): Promise<boolean> => {
    while (reports.length > 0) {
      const batch = reports.splice(0, MAX_REPORTS_PER_REQUEST);
      const answer = await post("/v1/state-reports", batch);
      if (!answer.ok) {
        stats.lastError = answer.error;
        if (answer.retry) {
          // First in line again, ahead of what came meanwhile.
          reports = batch.concat(reports);
          keepWithinBound();
          return false;
        }
        stats.dropped += batch.length;
      } else {
        const { results } = answer.body as { results: { status: string; code?: string }[] };
        for (const r of results) {
          if (r.status === "accepted") stats.sent++;
          else stats.rejected[r.code ?? "?"] = (stats.rejected[r.code ?? "?"] ?? 0) + 1;
        }
      }
    }
    return true;
  };

  const sendBeats = async () => {
    const ids = [...beats];
    for (let i = 0; i < ids.length; i += MAX_HEARTBEATS_PER_REQUEST) {
      const chunk = ids.slice(i, i + MAX_HEARTBEATS_PER_REQUEST);
      const answer = await post("/v1/heartbeats", { deviceIds: chunk });
      if (!answer.ok) {
        stats.lastError = answer.error;
        if (answer.retry) return;
      } else stats.heartbeats += chunk.length;
      for (const id of chunk) beats.delete(id);
    }
  };

  return {
    name: "http",
    ready: () => true,
    send(more) {
      for (const r of more) reports.push(r);
      keepWithinBound();
    },
    heartbeat(ids) {
      for (const id of ids) beats.add(id);
    },
    flush() {
      // One attempt at a time; a tick that comes while one is on its way leaves its reports for the next.
      flushing ??= (async () => {
        try {
          if (await sendReports()) await sendBeats();
        } finally {
          flushing = null;
        }
      })();
      return flushing;
    },
    stats: () => ({ ...stats, queued: reports.length }),
    close: async () => {
      await flushing;
      beats = new Set();
    },
  };
}
