// Carries the simulated fleet's reports and heartbeats to the worker: over MQTT (QoS 1, one message
// per report, as a device publishes) or over HTTP (`POST /v1/state-reports` in batches the worker
// takes, `POST /v1/heartbeats`). Over HTTP, what the worker could not take (it is down, restarting,
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

export function mqttTransport(url: string, clientId: string, onConnect: () => void): Transport {
  const stats = emptyStats();
  const client = mqtt.connect(url, { clientId, reconnectPeriod: 1_000 });
  client.on("error", (err) => (stats.lastError = err.message));
  client.on("connect", () => {
    stats.lastError = null;
    onConnect();
  });
  return {
    name: "mqtt",
    ready: () => client.connected,
    send(reports) {
      for (const r of reports) client.publish(`proviso/v1/devices/${r.deviceId}/state`, JSON.stringify(r), { qos: 1 });
      stats.sent += reports.length;
    },
    heartbeat(ids) {
      const at = new Date().toISOString();
      for (const id of ids) client.publish(`proviso/v1/devices/${id}/heartbeat`, JSON.stringify({ at }), { qos: 1 });
      stats.heartbeats += ids.length;
    },
    flush: async () => {},
    stats: () => ({ ...stats, queued: client.queue.length }),
    close: () => client.endAsync(),
  };
}

export interface HttpTransportOptions {
  /** Reports kept for sending again while the worker cannot take them. */
  maxQueued?: number;
  fetch?: typeof fetch;
}

type Answer = { ok: true; body: unknown } | { ok: false; retry: boolean; error: string };

/** POSTs JSON to the worker: its answer, or whether to try again (5xx, 429, no answer) and why not. */
async function postTo(doFetch: typeof fetch, url: string, path: string, body: unknown): Promise<Answer> {
  try {
    const res = await doFetch(`${url}${path}`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
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
    const answer = await postTo(doFetch, workerUrl, path, body);
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
