// A small MQTT consumer that acknowledges each QoS 1 message only when told to. mqtt.js handles
// incoming messages one at a time and acknowledges before the next, which makes batching (and
// "PUBACK only after commit") impossible; here messages arrive as fast as the broker's in-flight
// window allows, and each PUBACK goes out when the batch holding it has been committed.
import { EventEmitter } from "node:events";
import net from "node:net";
import mqttPacket from "mqtt-packet";

export interface ConsumedMessage {
  topic: string;
  payload: Buffer;
  /** Sends the PUBACK (QoS 1). Call it once the message is safely stored. */
  ack(): void;
}

export interface ConsumerOptions {
  url: string;
  clientId: string;
  /** A topic filter; a shared subscription is `$share/<group>/<filter>`. */
  topic: string;
  protocolVersion?: 4 | 5;
  /** MQTT 5: how many unacknowledged messages the broker may have in flight to us. */
  receiveMaximum?: number;
  keepaliveSeconds?: number;
  /** Keep the session (and queued QoS 1 messages) across reconnects. */
  persistentSession?: boolean;
}

export class MqttConsumer extends EventEmitter {
  private socket: net.Socket | null = null;
  private pinger: NodeJS.Timeout | null = null;
  connected = false;

  constructor(private readonly opts: ConsumerOptions) {
    super();
  }

  connect(): Promise<void> {
    const url = new URL(this.opts.url);
    const version = this.opts.protocolVersion ?? 5;
    const parser = mqttPacket.parser({ protocolVersion: version });
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(url.port || 1883), url.hostname);
      this.socket = socket;
      const write = (packet: Record<string, unknown>) => {
        if (!socket.destroyed) socket.write(mqttPacket.generate(packet as never, { protocolVersion: version }));
      };
      socket.on("connect", () =>
        write({
          cmd: "connect",
          protocolId: "MQTT",
          protocolVersion: version,
          clientId: this.opts.clientId,
          clean: !this.opts.persistentSession,
          keepalive: this.opts.keepaliveSeconds ?? 30,
          ...(url.username ? { username: decodeURIComponent(url.username), password: Buffer.from(decodeURIComponent(url.password)) } : {}),
          ...(version === 5
            ? { properties: { receiveMaximum: this.opts.receiveMaximum ?? 1000, ...(this.opts.persistentSession ? { sessionExpiryInterval: 3600 } : {}) } }
            : {}),
        }),
      );
      socket.on("data", (d) => parser.parse(d));
      socket.on("error", (err) => {
        if (!this.connected) reject(err);
        this.emit("error", err);
      });
      socket.on("close", () => {
        const was = this.connected;
        this.connected = false;
        if (this.pinger) clearInterval(this.pinger);
        if (was) this.emit("close");
      });
      parser.on("error", (err) => this.emit("error", err));
      parser.on("packet", (p) => {
        const packet = p as unknown as Record<string, unknown>;
        switch (packet.cmd) {
          case "connack": {
            const code = (packet.reasonCode ?? packet.returnCode) as number;
            if (code !== 0) {
              reject(new Error(`the broker refused the connection (code ${code})`));
              socket.destroy();
              return;
            }
            write({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: this.opts.topic, qos: 1 }] });
            break;
          }
          case "suback": {
            const granted = (packet.granted as number[])[0]!;
            if (granted >= 0x80) {
              reject(new Error(`the broker refused the subscription to ${this.opts.topic} (code ${granted})`));
              socket.destroy();
              return;
            }
            this.connected = true;
            const keepalive = (this.opts.keepaliveSeconds ?? 30) * 500;
            this.pinger = setInterval(() => write({ cmd: "pingreq" }), keepalive);
            resolve();
            break;
          }
          case "publish": {
            const messageId = packet.messageId as number | undefined;
            const qos = packet.qos as number;
            let acked = false;
            this.emit("message", {
              topic: packet.topic as string,
              payload: packet.payload as Buffer,
              ack: () => {
                if (acked || qos === 0) return;
                acked = true;
                write({ cmd: "puback", messageId });
              },
            } satisfies ConsumedMessage);
            break;
          }
          case "disconnect":
            socket.destroy();
            break;
        }
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.pinger) clearInterval(this.pinger);
      const socket = this.socket;
      if (!socket || socket.destroyed) return resolve();
      socket.end(mqttPacket.generate({ cmd: "disconnect" } as never), () => resolve());
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 1_000).unref();
    });
  }
}
