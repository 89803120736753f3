// The embedded MQTT broker, used when MQTT_URL is not set. It speaks MQTT 3.1.1 and 5 with what
// Proviso relies on: QoS 0 and 1 (QoS 2 handshakes complete, delivered as QoS 1), `+` and `#`
// wildcards, MQTT 5 shared subscriptions (`$share/<group>/<filter>`: each message to one member of
// the group, round robin), Receive Maximum, keep-alive, and persistent sessions (MQTT 5 Session
// Expiry, ended early by a DISCONNECT that says 0). A shared member that disconnects with messages
// unacknowledged hands them to the rest of its group, so a worker that dies mid-batch loses nothing. No retained messages and no wills (Proviso uses neither).
// With `access`, no one connects without a client of its dynamic-security stand-in (mqtt-access.ts),
// and each may publish, subscribe and receive only as its roles allow. One client can make it hold
// only so much: packets up to `maxPacketBytes`, `maxQueuedPerSession` messages waiting per session,
// and a kept session for `maxSessionExpirySeconds` at most.
// Mosquitto replaces it in CI and in production. This file holds the connections and the packets
// they exchange; the sessions and the routing of messages to them are in mqtt-sessions.ts.
import mqttPacket from "mqtt-packet";
import net from "node:net";
import { BrokerAccess, CONTROL_RESPONSE_TOPIC, CONTROL_TOPIC, type Principal } from "./mqtt-access";
import { EmbeddedStartError, oneLine } from "./pglite-server";
import { parseFilter, SessionStore, type Session } from "./mqtt-sessions";

export interface BrokerOptions {
  port: number;
  host?: string;
  /** Authentication and authorisation (none: anyone may do anything, as in the broker's unit tests). */
  access?: { admin: { username: string; password: string }; file?: string | null } | null;
  maxPacketBytes?: number;
  maxQueuedPerSession?: number;
  maxSessionExpirySeconds?: number;
}

interface Limits {
  maxPacketBytes: number;
  maxSessionExpirySeconds: number;
}

const NOT_AUTHORISED = 0x87;

export { topicMatches } from "./mqtt-sessions";

export interface EmbeddedBroker {
  url: string;
  port: number;
  stop(): Promise<void>;
}

type Fields = Record<string, unknown>;

/** One client's connection: its packet parser, its keep-alive, and (once it has sent CONNECT) its session. */
class Connection {
  private readonly store: SessionStore;
  private readonly socket: net.Socket;
  private readonly sockets: Set<net.Socket>;
  private readonly parser = mqttPacket.parser();
  private session: Session | null = null;
  private keepalive: NodeJS.Timeout | null = null;
  private lastSeen = Date.now();
  principal: Principal | null = null;

  constructor(
    store: SessionStore,
    socket: net.Socket,
    sockets: Set<net.Socket>,
    private readonly access: BrokerAccess | null,
    private readonly limits: Limits,
  ) {
    this.store = store;
    this.socket = socket;
    this.sockets = sockets;
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on("data", (d) => {
      this.lastSeen = Date.now();
      this.parser.parse(d);
      // A packet larger than the limit is not waited for (its declared length, or what is buffered): the connection ends.
      const partial = this.parser as unknown as { packet: { length: number }; _list: { length: number } };
      if (partial.packet.length > this.limits.maxPacketBytes || partial._list.length > this.limits.maxPacketBytes) socket.destroy();
    });
    socket.on("close", () => this.close());
    socket.on("error", () => socket.destroy());
    this.parser.on("error", () => socket.destroy());
    this.parser.on("packet", (p) => ((p.length ?? 0) > this.limits.maxPacketBytes ? socket.destroy() : this.onPacket(p as unknown as Fields)));
  }

  /** Ends the connection as an administrator would (its client deleted or disabled). */
  kick() {
    if (this.session?.version === 5)
      this.socket.write(mqttPacket.generate({ cmd: "disconnect", reasonCode: 0x98 } as mqttPacket.Packet, { protocolVersion: 5 }));
    this.socket.destroy();
  }

  private close() {
    if (this.keepalive) clearInterval(this.keepalive);
    this.sockets.delete(this.socket);
    if (this.session && this.session.socket === this.socket) this.store.detach(this.session);
    this.session = null;
  }

  private onPacket(packet: Fields) {
    if (!this.session && packet.cmd !== "connect") return this.socket.destroy();
    if (packet.cmd === "connect") return this.onConnect(packet);
    const session = this.session!;
    switch (packet.cmd) {
      case "subscribe":
        return this.onSubscribe(session, packet);
      case "unsubscribe":
        return this.onUnsubscribe(session, packet);
      case "publish":
        return this.onPublish(session, packet);
      case "pubrel":
        return this.store.send(session, { cmd: "pubcomp", messageId: packet.messageId });
      case "puback":
        session.inflight.delete(Number(packet.messageId));
        return this.store.drainQueue(session);
      case "pingreq":
        return this.store.send(session, { cmd: "pingresp" });
      case "disconnect":
        return this.onDisconnect(session, packet);
    }
  }

  private onConnect(packet: Fields) {
    const version = Number(packet.protocolVersion);
    (this.parser as unknown as { settings: { protocolVersion: number } }).settings.protocolVersion = version;
    const clientId = String(packet.clientId || `anonymous-${Math.random().toString(36).slice(2)}`);
    const props = (packet.properties ?? {}) as { receiveMaximum?: number; sessionExpiryInterval?: number };
    if (this.access) {
      this.principal = this.access.authenticate(packet.username as string | undefined, packet.password as Buffer | undefined, clientId);
      // Not authorised: no credentials, wrong ones, a client id its client is not bound to, or a
      // session another client holds (only a client bound to that id may take it over: a device's
      // new credential, its old one's session).
      const owner = this.store.ownerOf(clientId);
      const taken = owner !== undefined && owner !== this.principal?.username && this.principal?.clientId !== clientId;
      if (!this.principal || taken) {
        const refused =
          version === 5 ? { cmd: "connack", reasonCode: NOT_AUTHORISED, sessionPresent: false } : { cmd: "connack", returnCode: 5, sessionPresent: false };
        this.socket.end(mqttPacket.generate(refused as unknown as mqttPacket.Packet, { protocolVersion: version }));
        return;
      }
    }
    // MQTT 5 keeps a session as long as its Session Expiry says (0: not past the connection;
    // 0xFFFFFFFF: for ever); 3.1.1 keeps it while clean session is off. Never past the limit.
    const asked = version === 5 ? (props.sessionExpiryInterval ?? 0) : packet.clean ? 0 : null;
    const expiry = asked === 0 ? 0 : Math.min(asked === null || asked === 0xffffffff ? Infinity : asked, this.limits.maxSessionExpirySeconds);
    const { session, present } = this.store.attach(this.socket, {
      clientId,
      version,
      clean: Boolean(packet.clean),
      persistent: expiry !== 0,
      expiry,
      receiveMaximum: version === 5 ? (props.receiveMaximum ?? 65_535) : 65_535,
      owner: this.principal?.username ?? null,
    });
    this.session = session;
    this.store.send(
      session,
      version === 5
        ? { cmd: "connack", reasonCode: 0, sessionPresent: present, properties: { maximumPacketSize: this.limits.maxPacketBytes } }
        : { cmd: "connack", returnCode: 0, sessionPresent: present },
    );
    const seconds = Number(packet.keepalive ?? 0);
    if (seconds > 0) {
      this.keepalive = setInterval(() => {
        if (Date.now() - this.lastSeen > seconds * 1500) this.socket.destroy();
      }, seconds * 500);
    }
    this.store.resume(session);
  }

  private onSubscribe(session: Session, packet: Fields) {
    const granted: number[] = [];
    for (const s of packet.subscriptions as { topic: string; qos: number }[]) {
      const { filter, group } = parseFilter(s.topic);
      if (!filter || group === "") {
        granted.push(session.version === 5 ? 0x8f : 0x80);
        continue;
      }
      if (this.access && !this.access.maySubscribe(this.principal!, s.topic)) {
        granted.push(session.version === 5 ? NOT_AUTHORISED : 0x80);
        continue;
      }
      const qos = Math.min(1, s.qos) as 0 | 1;
      session.subscriptions.set(s.topic, { filter, qos, group });
      granted.push(qos);
    }
    this.store.send(session, { cmd: "suback", messageId: packet.messageId, granted });
  }

  private onUnsubscribe(session: Session, packet: Fields) {
    // MQTT 5 answers each topic: 0 (removed) or 0x11 (there was no such subscription).
    const codes = (packet.unsubscriptions as string[]).map((t) => (session.subscriptions.delete(t) ? 0 : 0x11));
    this.store.send(
      session,
      session.version === 5 ? { cmd: "unsuback", messageId: packet.messageId, granted: codes } : { cmd: "unsuback", messageId: packet.messageId },
    );
  }

  private onPublish(session: Session, packet: Fields) {
    const qos = Math.min(1, Number(packet.qos)) as 0 | 1;
    const topic = String(packet.topic);
    if (this.access && !this.access.mayPublish(this.principal!, topic)) {
      // Not this client's to publish: dropped (MQTT 5 says why in the PUBACK, as Mosquitto does).
      if (packet.qos === 1)
        this.store.send(session, { cmd: "puback", messageId: packet.messageId, ...(session.version === 5 ? { reasonCode: NOT_AUTHORISED } : {}) });
      return;
    }
    if (this.access && topic === CONTROL_TOPIC) {
      this.store.route({ topic: CONTROL_RESPONSE_TOPIC, payload: Buffer.from(this.access.control(packet.payload as Buffer)), qos: 1 });
    } else this.store.route({ topic, payload: packet.payload as Buffer, qos });
    if (packet.qos === 1) this.store.send(session, { cmd: "puback", messageId: packet.messageId });
    if (packet.qos === 2) this.store.send(session, { cmd: "pubrec", messageId: packet.messageId });
  }

  private onDisconnect(session: Session, packet: Fields) {
    // MQTT 5 may end a kept session on the way out (Session Expiry 0), or change how long it is kept.
    const expiry = ((packet.properties ?? {}) as { sessionExpiryInterval?: number }).sessionExpiryInterval;
    if (session.version === 5 && expiry !== undefined) {
      session.persistent = expiry !== 0;
      session.expiryMs = expiry === 0xffffffff ? null : expiry * 1000;
    }
    this.socket.end();
  }
}

export async function startEmbeddedBroker(opts: BrokerOptions): Promise<EmbeddedBroker> {
  const access = opts.access ? new BrokerAccess(opts.access.file ?? null, opts.access.admin) : null;
  const limits: Limits = { maxPacketBytes: opts.maxPacketBytes ?? 1024 * 1024, maxSessionExpirySeconds: opts.maxSessionExpirySeconds ?? 24 * 3600 };
  const connections = new Set<Connection>();
  const store = new SessionStore({
    maxQueued: opts.maxQueuedPerSession ?? 100_000,
    mayReceive: access ? (s, topic) => s.owner !== null && access.mayReceive({ username: s.owner }, topic) : null,
  });
  if (access) access.onRevoked = (username) => [...connections].filter((c) => c.principal?.username === username).forEach((c) => c.kick());
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    const c = new Connection(store, socket, sockets, access, limits);
    connections.add(c);
    socket.on("close", () => connections.delete(c));
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
