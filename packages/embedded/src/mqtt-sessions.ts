// The embedded MQTT broker's sessions and routing: which session gets a published message, the
// Receive Maximum window and queue of each, shared groups' round robin, and what becomes of a
// session (and of its unacknowledged shared messages) when its connection drops. The connections
// themselves, and the packets they exchange, are in mqtt-broker.ts.
import mqttPacket, { type Packet } from "mqtt-packet";
import type net from "node:net";

export interface Message {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
}

export interface Subscription {
  filter: string;
  qos: 0 | 1;
  group: string | null;
}

export interface Session {
  clientId: string;
  /** The access-control client it authenticated as (null: the broker runs without access control). */
  owner: string | null;
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

/** What a CONNECT asks of its session, read from the packet. */
export interface SessionRequest {
  clientId: string;
  version: number;
  clean: boolean;
  /** Kept after the connection drops. */
  persistent: boolean;
  /** Session Expiry, seconds (null: until the client comes back; 0xFFFFFFFF: for ever). */
  expiry: number | null;
  receiveMaximum: number;
  owner: string | null;
}

export interface StoreOptions {
  /** Messages a session may have waiting; past it, new ones for it are dropped (as Mosquitto's max_queued_messages). */
  maxQueued: number;
  /** Whether a session may receive a topic (its client's publishClientReceive ACLs); null: all may. */
  mayReceive: ((s: Session, topic: string) => boolean) | null;
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

export function parseFilter(raw: string): { filter: string; group: string | null } {
  if (!raw.startsWith("$share/")) return { filter: raw, group: null };
  const [, group, ...rest] = raw.split("/");
  return { filter: rest.join("/"), group: group ?? "" };
}

/** Every session the broker keeps, by client id, and the delivery of messages to them. */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly roundRobin = new Map<string, number>();
  /** Messages dropped because a session's queue was full. */
  dropped = 0;

  constructor(private readonly opts: StoreOptions = { maxQueued: 100_000, mayReceive: null }) {}

  /** Who holds a client id's session (undefined: no session). */
  ownerOf(clientId: string): string | null | undefined {
    return this.sessions.get(clientId)?.owner;
  }

  send(s: Session, packet: Record<string, unknown>) {
    if (s.socket && !s.socket.destroyed) s.socket.write(mqttPacket.generate(packet as unknown as Packet, { protocolVersion: s.version }));
  }

  /** Sends now if the session's window allows, else queues. */
  deliver(s: Session, message: Message, group: string | null) {
    if (message.qos === 0) {
      if (s.socket) this.send(s, { cmd: "publish", topic: message.topic, payload: message.payload, qos: 0, retain: false, dup: false });
      return;
    }
    if (!s.socket || s.inflight.size >= s.receiveMaximum) {
      if (s.queue.length >= this.opts.maxQueued) this.dropped++;
      else s.queue.push({ message, group });
      return;
    }
    const messageId = s.nextId;
    s.nextId = s.nextId >= 65_535 ? 1 : s.nextId + 1;
    s.inflight.set(messageId, { message, group });
    this.send(s, { cmd: "publish", topic: message.topic, payload: message.payload, qos: 1, messageId, retain: false, dup: false });
  }

  drainQueue(s: Session) {
    while (s.socket && s.queue.length && s.inflight.size < s.receiveMaximum) {
      const next = s.queue.shift()!;
      this.deliver(s, next.message, next.group);
    }
  }

  /** A shared group's message goes to one online member; with none online it waits in a member's queue. */
  private deliverToGroup(groupKey: string, members: { s: Session; sub: Subscription }[], message: Message) {
    const online = members.filter((m) => m.s.socket);
    const pool = online.length ? online : members;
    const i = (this.roundRobin.get(groupKey) ?? 0) % pool.length;
    this.roundRobin.set(groupKey, i + 1);
    const chosen = pool[i]!;
    this.deliver(chosen.s, { ...message, qos: Math.min(message.qos, chosen.sub.qos) as 0 | 1 }, groupKey);
  }

  route(message: Message) {
    const groups = new Map<string, { s: Session; sub: Subscription }[]>();
    const mayReceive = this.opts.mayReceive;
    for (const s of this.sessions.values()) {
      if (mayReceive && !mayReceive(s, message.topic)) continue;
      let best: Subscription | null = null;
      for (const sub of s.subscriptions.values()) {
        if (!topicMatches(sub.filter, message.topic)) continue;
        if (sub.group !== null) {
          const key = `${sub.group}\u0000${sub.filter}`;
          (groups.get(key) ?? groups.set(key, []).get(key)!).push({ s, sub });
        } else if (!best || sub.qos > best.qos) best = sub;
      }
      if (best && (s.socket || s.persistent)) this.deliver(s, { ...message, qos: Math.min(message.qos, best.qos) as 0 | 1 }, null);
    }
    for (const [key, members] of groups) this.deliverToGroup(key, members, message);
  }

  /** Gives a connecting client its kept session, or a new one; `present` says which. */
  attach(socket: net.Socket, req: SessionRequest): { session: Session; present: boolean } {
    const { clientId, version } = req;
    let existing = this.sessions.get(clientId);
    if (existing?.socket) existing.socket.destroy(); // a client id connects once at a time
    if (existing?.expiryTimer) clearTimeout(existing.expiryTimer);
    if (existing && (req.clean || !existing.persistent)) {
      this.sessions.delete(clientId);
      existing = undefined;
    }
    const session: Session = existing ?? {
      clientId,
      owner: req.owner,
      persistent: req.persistent,
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
    session.persistent = req.persistent;
    session.expiryMs = req.expiry === null || req.expiry === 0xffffffff ? null : req.expiry * 1000;
    session.expiryTimer = null;
    session.receiveMaximum = req.receiveMaximum;
    this.sessions.set(clientId, session);
    return { session, present: Boolean(existing) };
  }

  /** Resends what was in flight (a persistent session coming back), then what waited. */
  resume(session: Session) {
    for (const [messageId, entry] of session.inflight) {
      this.send(session, { cmd: "publish", topic: entry.message.topic, payload: entry.message.payload, qos: 1, messageId, retain: false, dup: true });
    }
    this.drainQueue(session);
  }

  /** The session's connection has dropped: it is kept or forgotten, and its shared messages go back to their groups. */
  detach(s: Session) {
    s.socket = null;
    const handBack = this.takeShared(s);
    if (!s.persistent) this.sessions.delete(s.clientId);
    else if (s.expiryMs !== null) {
      s.expiryTimer = setTimeout(() => {
        if (this.sessions.get(s.clientId) === s && !s.socket) this.sessions.delete(s.clientId);
      }, s.expiryMs);
      s.expiryTimer.unref();
    }
    for (const { message, group } of handBack) {
      const [name, filter] = group.split("\u0000") as [string, string];
      const members = [...this.sessions.values()].flatMap((other) =>
        [...other.subscriptions.values()].filter((sub) => sub.group === name && sub.filter === filter).map((sub) => ({ s: other, sub })),
      );
      if (members.length) this.deliverToGroup(group, members, message);
    }
  }

  /** Unacknowledged shared messages go back to the group; the session's own wait for it. */
  private takeShared(s: Session): { message: Message; group: string }[] {
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
    return handBack;
  }
}
