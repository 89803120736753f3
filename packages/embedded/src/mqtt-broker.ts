// The embedded MQTT broker, used when MQTT_URL is not set. It speaks MQTT 3.1.1 and 5 with what
// Proviso relies on: QoS 0 and 1 (QoS 2 handshakes complete, delivered as QoS 1), `+` and `#`
// wildcards, MQTT 5 shared subscriptions (`$share/<group>/<filter>`: each message to one member of
// the group, round robin), Receive Maximum, keep-alive, and persistent sessions (MQTT 5 Session
// Expiry, ended early by a DISCONNECT that says 0). A shared member that disconnects with messages
// unacknowledged hands them to the rest of its group, so a worker that dies mid-batch loses nothing. No retained messages and no wills (Proviso uses neither).
// Mosquitto replaces it in CI and in production.
import mqttPacket, { type Packet } from "mqtt-packet";
import net from "node:net";
import { EmbeddedStartError, oneLine } from "./pglite-server";

export interface EmbeddedBroker {
  url: string;
  port: number;
  stop(): Promise<void>;
}

interface Message {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
}

interface Subscription {
  filter: string;
  qos: 0 | 1;
  group: string | null;
}

interface Session {
  clientId: string;
  /** Kept after its connection drops (MQTT 5: Session Expiry > 0; 3.1.1: clean session off). */
  persistent: boolean;
  /** How long it is kept after the connection drops, ms (null: until the client comes back). */
  expiryMs: number | null;
  expiryTimer: NodeJS.Timeout | null;
  subscriptions: Map<string, Subscription>;
  socket: net.Socket | null;
  version: number;
  receiveMaximum: number;
  nextId: number;
  inflight: Map<number, { message: Message; group: string | null }>;
  queue: { message: Message; group: string | null }[];
}

export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return i !== 0 || !topic.startsWith("$");
    if (i >= t.length) return false;
    if (f[i] === "+") {
      if (i === 0 && t[0]!.startsWith("$")) return false;
      continue;
    }
    if (f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

function parseFilter(raw: string): { filter: string; group: string | null } {
  if (!raw.startsWith("$share/")) return { filter: raw, group: null };
  const [, group, ...rest] = raw.split("/");
  return { filter: rest.join("/"), group: group ?? "" };
}

export async function startEmbeddedBroker(opts: { port: number; host?: string }): Promise<EmbeddedBroker> {
  const sessions = new Map<string, Session>();
  const roundRobin = new Map<string, number>();
  const sockets = new Set<net.Socket>();

  const send = (s: Session, packet: Record<string, unknown>) => {
    if (s.socket && !s.socket.destroyed) s.socket.write(mqttPacket.generate(packet as unknown as Packet, { protocolVersion: s.version }));
  };

  /** Sends now if the session's window allows, else queues. */
  const deliver = (s: Session, message: Message, group: string | null) => {
    if (message.qos === 0) {
      if (s.socket) send(s, { cmd: "publish", topic: message.topic, payload: message.payload, qos: 0, retain: false, dup: false });
      return;
    }
    if (!s.socket || s.inflight.size >= s.receiveMaximum) {
      s.queue.push({ message, group });
      return;
    }
    const messageId = s.nextId;
    s.nextId = s.nextId >= 65_535 ? 1 : s.nextId + 1;
    s.inflight.set(messageId, { message, group });
    send(s, { cmd: "publish", topic: message.topic, payload: message.payload, qos: 1, messageId, retain: false, dup: false });
  };

  const drainQueue = (s: Session) => {
    while (s.socket && s.queue.length && s.inflight.size < s.receiveMaximum) {
      const next = s.queue.shift()!;
      deliver(s, next.message, next.group);
    }
  };

  /** A shared group's message goes to one online member; with none online it waits in a member's queue. */
  const deliverToGroup = (groupKey: string, members: { s: Session; sub: Subscription }[], message: Message) => {
    const online = members.filter((m) => m.s.socket);
    const pool = online.length ? online : members;
    const i = (roundRobin.get(groupKey) ?? 0) % pool.length;
    roundRobin.set(groupKey, i + 1);
    const chosen = pool[i]!;
    deliver(chosen.s, { ...message, qos: Math.min(message.qos, chosen.sub.qos) as 0 | 1 }, groupKey);
  };

  const route = (message: Message) => {
    const groups = new Map<string, { s: Session; sub: Subscription }[]>();
    for (const s of sessions.values()) {
      let best: Subscription | null = null;
      for (const sub of s.subscriptions.values()) {
        if (!topicMatches(sub.filter, message.topic)) continue;
        if (sub.group !== null) {
          const key = `${sub.group}\u0000${sub.filter}`;
          (groups.get(key) ?? groups.set(key, []).get(key)!).push({ s, sub });
        } else if (!best || sub.qos > best.qos) best = sub;
      }
      if (best && (s.socket || s.persistent)) deliver(s, { ...message, qos: Math.min(message.qos, best.qos) as 0 | 1 }, null);
    }
    for (const [key, members] of groups) deliverToGroup(key, members, message);
  };

  const detach = (s: Session) => {
    s.socket = null;
    // Unacknowledged shared messages go back to the group; the session's own wait for it.
    const handBack: { message: Message; group: string }[] = [];
    for (const [id, entry] of s.inflight) {
      if (entry.group !== null) {
        handBack.push({ message: entry.message, group: entry.group });
        s.inflight.delete(id);
      }
    }
    const own: typeof s.queue = [];
    for (const q of s.queue) {
      if (q.group !== null) handBack.push({ message: q.message, group: q.group });
      else own.push(q);
    }
    s.queue = own;
    if (!s.persistent) sessions.delete(s.clientId);
    else if (s.expiryMs !== null) {
      s.expiryTimer = setTimeout(() => {
        if (sessions.get(s.clientId) === s && !s.socket) sessions.delete(s.clientId);
      }, s.expiryMs);
      s.expiryTimer.unref();
    }
    for (const { message, group } of handBack) {
      const [name, filter] = group.split("\u0000") as [string, string];
      const members = [...sessions.values()].flatMap((other) =>
        [...other.subscriptions.values()].filter((sub) => sub.group === name && sub.filter === filter).map((sub) => ({ s: other, sub })),
      );
      if (members.length) deliverToGroup(group, members, message);
    }
  };

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const parser = mqttPacket.parser();
    let session: Session | null = null;
    let keepalive: NodeJS.Timeout | null = null;
    let lastSeen = Date.now();
    socket.on("data", (d) => {
      lastSeen = Date.now();
      parser.parse(d);
    });
    const close = () => {
      if (keepalive) clearInterval(keepalive);
      sockets.delete(socket);
      if (session && session.socket === socket) detach(session);
      session = null;
    };
    socket.on("close", close);
    socket.on("error", () => socket.destroy());
    parser.on("error", () => socket.destroy());
    parser.on("packet", (p) => {
      const packet = p as unknown as Record<string, unknown>;
      if (!session && packet.cmd !== "connect") return socket.destroy();
      switch (packet.cmd) {
        case "connect": {
          const version = Number(packet.protocolVersion);
          (parser as unknown as { settings: { protocolVersion: number } }).settings.protocolVersion = version;
          const clientId = String(packet.clientId || `anonymous-${Math.random().toString(36).slice(2)}`);
          const props = (packet.properties ?? {}) as { receiveMaximum?: number; sessionExpiryInterval?: number };
          // MQTT 5 keeps a session as long as its Session Expiry says (0: not past the connection;
          // 0xFFFFFFFF: for ever); 3.1.1 keeps it while clean session is off.
          const expiry = version === 5 ? (props.sessionExpiryInterval ?? 0) : packet.clean ? 0 : null;
          const persistent = expiry !== 0;
          let existing = sessions.get(clientId);
          if (existing?.socket) existing.socket.destroy(); // a client id connects once at a time
          if (existing?.expiryTimer) clearTimeout(existing.expiryTimer);
          if (existing && (packet.clean || !existing.persistent)) {
            sessions.delete(clientId);
            existing = undefined;
          }
          session = existing ?? {
            clientId,
            persistent,
            expiryMs: null,
            expiryTimer: null,
            subscriptions: new Map(),
            socket: null,
            version,
            receiveMaximum: 65_535,
            nextId: 1,
            inflight: new Map(),
            queue: [],
          };
          session.socket = socket;
          session.version = version;
          session.persistent = persistent;
          session.expiryMs = expiry === null || expiry === 0xffffffff ? null : expiry * 1000;
          session.expiryTimer = null;
          session.receiveMaximum = version === 5 ? (props.receiveMaximum ?? 65_535) : 65_535;
          sessions.set(clientId, session);
          send(
            session,
            version === 5
              ? { cmd: "connack", reasonCode: 0, sessionPresent: Boolean(existing) }
              : { cmd: "connack", returnCode: 0, sessionPresent: Boolean(existing) },
          );
          const seconds = Number(packet.keepalive ?? 0);
          if (seconds > 0) {
            keepalive = setInterval(() => {
              if (Date.now() - lastSeen > seconds * 1500) socket.destroy();
            }, seconds * 500);
          }
          // Resend what was in flight (a persistent session coming back), then what waited.
          for (const [messageId, entry] of session.inflight) {
            send(session, { cmd: "publish", topic: entry.message.topic, payload: entry.message.payload, qos: 1, messageId, retain: false, dup: true });
          }
          drainQueue(session);
          break;
        }
        case "subscribe": {
          const granted: number[] = [];
          for (const s of packet.subscriptions as { topic: string; qos: number }[]) {
            const { filter, group } = parseFilter(s.topic);
            if (!filter || group === "") {
              granted.push(session!.version === 5 ? 0x8f : 0x80);
              continue;
            }
            const qos = Math.min(1, s.qos) as 0 | 1;
            session!.subscriptions.set(s.topic, { filter, qos, group });
            granted.push(qos);
          }
          send(session!, { cmd: "suback", messageId: packet.messageId, granted });
          break;
        }
        case "unsubscribe": {
          // MQTT 5 answers each topic: 0 (removed) or 0x11 (there was no such subscription).
          const codes = (packet.unsubscriptions as string[]).map((t) => (session!.subscriptions.delete(t) ? 0 : 0x11));
          send(
            session!,
            session!.version === 5 ? { cmd: "unsuback", messageId: packet.messageId, granted: codes } : { cmd: "unsuback", messageId: packet.messageId },
          );
          break;
        }
        case "publish": {
          const qos = Math.min(1, Number(packet.qos)) as 0 | 1;
          route({ topic: String(packet.topic), payload: packet.payload as Buffer, qos });
          if (packet.qos === 1) send(session!, { cmd: "puback", messageId: packet.messageId });
          if (packet.qos === 2) send(session!, { cmd: "pubrec", messageId: packet.messageId });
          break;
        }
        case "pubrel":
          send(session!, { cmd: "pubcomp", messageId: packet.messageId });
          break;
        case "puback": {
          session!.inflight.delete(Number(packet.messageId));
          drainQueue(session!);
          break;
        }
        case "pingreq":
          send(session!, { cmd: "pingresp" });
          break;
        case "disconnect": {
          // MQTT 5 may end a kept session on the way out (Session Expiry 0), or change how long it is kept.
          const expiry = ((packet.properties ?? {}) as { sessionExpiryInterval?: number }).sessionExpiryInterval;
          if (session!.version === 5 && expiry !== undefined) {
            session!.persistent = expiry !== 0;
            session!.expiryMs = expiry === 0xffffffff ? null : expiry * 1000;
          }
          socket.end();
          break;
        }
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) => reject(new EmbeddedStartError(`the embedded MQTT broker could not listen on port ${opts.port}: ${oneLine(err)}`)));
    server.listen(opts.port, opts.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
