// A small MQTT consumer that acknowledges each QoS 1 message only when told to. mqtt.js handles
// incoming messages one at a time and acknowledges before the next, which makes batching (and
// "PUBACK only after commit") impossible; here messages arrive as fast as the broker's in-flight
// window allows, and each PUBACK goes out when the batch holding it has been committed.
//
// What a worker received but never acknowledged must not be lost when it dies. Brokers differ:
// the embedded one hands a shared member's unacknowledged messages to the rest of its group, but
// Mosquitto drops them with a clean session. So the worker keeps a session (MQTT 5 Session Expiry)
// under a client id that is the same after a restart: Mosquitto then keeps what was in flight, and
// a share of what arrives meanwhile, for that session and sends it when the worker is back. A
// worker stopping on purpose unsubscribes first (no more is sent to it), commits and acknowledges
// what it has, then disconnects with Session Expiry 0, which ends the session.
import { EventEmitter } from "node:events";
import net from "node:net";
import tls from "node:tls";
import mqttPacket from "mqtt-packet";

export interface ConsumedMessage {
  topic: string;
  payload: Buffer;
  /** Sends the PUBACK (QoS 1). Call it once the message is safely stored. */
  ack(): void;
}

export interface ConsumerOptions {
  /** `mqtt://host:port` or `mqtts://host:port` (TLS), with user and password if the broker wants them. */
  url: string;
  /** The same after a restart, so a kept session is found again. */
  clientId: string;
  /** A topic filter; a shared subscription is `$share/<group>/<filter>`. */
  topic: string;
  protocolVersion?: 4 | 5;
  /** MQTT 5: how many unacknowledged messages the broker may have in flight to us. */
  receiveMaximum?: number;
  keepaliveSeconds?: number;
  /**
   * MQTT 5: how long the broker keeps the session (subscription, unacknowledged and queued
   * messages) after the connection drops, in seconds; 0 for a clean session. MQTT 3.1.1 always
   * starts clean.
   */
  sessionExpirySeconds?: number;
  /** How long to wait for the broker to accept the connection and the subscription. */
  connectTimeoutMs?: number;
}

/** Refuses a URL this consumer cannot speak, in words (an `ws://` broker, a typo). */
export function brokerAddress(url: string): { tls: boolean; host: string; port: number } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`MQTT URL is not a URL: ${url}`);
  }
  if (u.protocol !== "mqtt:" && u.protocol !== "mqtts:") throw new Error(`MQTT URL must start mqtt:// or mqtts://, not ${u.protocol}//`);
  const secure = u.protocol === "mqtts:";
  return { tls: secure, host: u.hostname, port: Number(u.port || (secure ? 8883 : 1883)) };
}

export class MqttConsumer extends EventEmitter {
  private socket: net.Socket | null = null;
  private pinger: NodeJS.Timeout | null = null;
  private write: (packet: Record<string, unknown>) => void = () => {};
  private unsubscribed: (() => void) | null = null;
  connected = false;

  constructor(private readonly opts: ConsumerOptions) {
    super();
  }

  private get version(): 4 | 5 {
    return this.opts.protocolVersion ?? 5;
  }

  private get expiry(): number {
    return this.version === 5 ? (this.opts.sessionExpirySeconds ?? 0) : 0;
  }

  /** When the broker was last heard from (a half-open connection never errors by itself). */
  private lastHeard = 0;

  connect(): Promise<void> {
    let address: ReturnType<typeof brokerAddress>;
    try {
      address = brokerAddress(this.opts.url);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const version = this.version;
    const parser = mqttPacket.parser({ protocolVersion: version });
    const keepaliveMs = (this.opts.keepaliveSeconds ?? 30) * 1000;
    const where = `${address.host}:${address.port}`;
    return new Promise((resolve, reject) => {
      const socket = address.tls
        ? tls.connect({ host: address.host, port: address.port, servername: net.isIP(address.host) ? undefined : address.host })
        : net.connect(address.port, address.host);
      this.socket = socket;
      const connectTimeoutMs = this.opts.connectTimeoutMs ?? 10_000;
      const hs = handshake(socket, resolve, reject, connectTimeoutMs, `no answer from the MQTT broker at ${where} in ${connectTimeoutMs} ms`);
      this.write = (packet) => {
        if (!socket.destroyed) socket.write(mqttPacket.generate(packet as never, { protocolVersion: version }));
      };
      this.lastHeard = Date.now();
      socket.on(address.tls ? "secureConnect" : "connect", () => this.write(this.connectPacket(keepaliveMs)));
      socket.on("data", (d) => {
        this.lastHeard = Date.now();
        parser.parse(d);
      });
      socket.on("error", (err) => {
        if (!hs.settled) hs.fail(err);
        else this.emit("error", err);
      });
      socket.on("close", () => {
        const was = this.connected;
        this.connected = false;
        if (this.pinger) clearInterval(this.pinger);
        this.unsubscribed?.();
        if (!hs.settled) hs.fail(new Error(`the MQTT broker at ${where} closed the connection before the subscription was in place`));
        if (was) this.emit("close");
      });
      parser.on("error", (err) => this.emit("error", err));
      parser.on("packet", (p) => this.onPacket(p as unknown as Record<string, unknown>, hs, socket, keepaliveMs));
    });
  }

  private connectPacket(keepaliveMs: number): Record<string, unknown> {
    const url = new URL(this.opts.url);
    const version = this.version;
    return {
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: version,
      clientId: this.opts.clientId,
      clean: this.expiry === 0,
      keepalive: keepaliveMs / 1000,
      ...(url.username ? { username: decodeURIComponent(url.username), password: Buffer.from(decodeURIComponent(url.password)) } : {}),
      ...(version === 5
        ? { properties: { receiveMaximum: this.opts.receiveMaximum ?? 1000, ...(this.expiry ? { sessionExpiryInterval: this.expiry } : {}) } }
        : {}),
    };
  }

  private onPacket(packet: Record<string, unknown>, hs: Handshake, socket: net.Socket, keepaliveMs: number) {
    switch (packet.cmd) {
      case "connack": {
        const code = (packet.reasonCode ?? packet.returnCode) as number;
        if (code !== 0) return hs.fail(new Error(`the broker refused the connection (code ${code})`));
        this.write({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: this.opts.topic, qos: 1 }] });
        break;
      }
      case "suback": {
        const granted = (packet.granted as number[])[0]!;
        if (granted >= 0x80) return hs.fail(new Error(`the broker refused the subscription to ${this.opts.topic} (code ${granted})`));
        this.connected = true;
        // A ping every half keep-alive; a broker silent for one and a half is gone, so the socket
        // is closed and the caller reconnects.
        this.pinger = setInterval(() => {
          if (Date.now() - this.lastHeard > keepaliveMs * 1.5) socket.destroy();
          else this.write({ cmd: "pingreq" });
        }, keepaliveMs / 2);
        hs.succeed();
        break;
      }
      case "unsuback":
        this.unsubscribed?.();
        break;
      case "publish":
        this.emit("message", this.message(packet));
        break;
      case "disconnect":
        socket.destroy();
        break;
    }
  }

  /** A received PUBLISH, with its acknowledgement (once, and only for QoS 1). */
  private message(packet: Record<string, unknown>): ConsumedMessage {
    const messageId = packet.messageId as number | undefined;
    const qos = packet.qos as number;
    let acked = false;
    return {
      topic: packet.topic as string,
      payload: packet.payload as Buffer,
      ack: () => {
        if (acked || qos === 0) return;
        acked = true;
        this.write({ cmd: "puback", messageId });
      },
    };
  }

  /**
   * Asks the broker to send no more; resolves once it has said so (every message it sent before
   * has then arrived and been emitted), or the connection is gone, or after `timeoutMs`.
   */
  unsubscribe(timeoutMs = 5_000): Promise<void> {
    if (!this.connected) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.unsubscribed = () => {
        this.unsubscribed = null;
        done();
      };
      this.write({ cmd: "unsubscribe", messageId: 2, unsubscriptions: [this.opts.topic] });
    });
  }

  /**
   * Disconnects. With `endSession` (the default) a kept session ends with it: call it once what
   * was received is committed and acknowledged. Without, the broker keeps it as after a crash.
   */
  close(opts: { endSession?: boolean } = {}): Promise<void> {
    return new Promise((resolve) => {
      if (this.pinger) clearInterval(this.pinger);
      const socket = this.socket;
      if (!socket || socket.destroyed) return resolve();
      const endSession = (opts.endSession ?? true) && this.expiry > 0;
      const packet = endSession ? { cmd: "disconnect", reasonCode: 0, properties: { sessionExpiryInterval: 0 } } : { cmd: "disconnect" };
      // Done when the broker has closed the connection, i.e. has read everything before the
      // DISCONNECT (the last PUBACKs): a client connecting next under this id finds it all settled.
      socket.once("close", () => resolve());
      socket.end(mqttPacket.generate(packet as never, { protocolVersion: this.version }));
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 1_000).unref();
    });
  }
}

/** The connect's outcome, settled once: the subscription in place, or a failure (the socket then closed). */
interface Handshake {
  settled: boolean;
  succeed(): void;
  fail(err: Error): void;
}

function handshake(socket: net.Socket, resolve: () => void, reject: (err: Error) => void, timeoutMs: number, timeoutMessage: string): Handshake {
  const timeout = setTimeout(() => hs.fail(new Error(timeoutMessage)), timeoutMs);
  const hs: Handshake = {
    settled: false,
    succeed() {
      if (hs.settled) return;
      hs.settled = true;
      clearTimeout(timeout);
      resolve();
    },
    fail(err) {
      if (hs.settled) return;
      hs.settled = true;
      clearTimeout(timeout);
      reject(err);
      socket.destroy();
    },
  };
  return hs;
}
