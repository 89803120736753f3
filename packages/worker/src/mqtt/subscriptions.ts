// The worker's MQTT subscriptions, kept up: each topic has a consumer that reconnects a second after
// its connection drops, until the worker stops.
import { redactUrl } from "@proviso/config";
import type { WorkerEvents } from "../events";
import { MqttConsumer, type ConsumedMessage } from "./consumer";

export interface SubscriptionOptions {
  url: string;
  /** The same across restarts (host and port tell replicas apart), so a kept session is found again. */
  clientId: string;
  /** With a shared group, `$share/<group>/<topic>`: replicas split the messages. */
  topic: string;
  protocolVersion: 4 | 5;
  receiveMaximum: number;
  sessionExpirySeconds: number;
  onMessage: (m: ConsumedMessage) => void;
}

export class Subscriptions {
  private readonly consumers: MqttConsumer[] = [];
  private stopping = false;

  constructor(private readonly events: WorkerEvents) {}

  get connected(): boolean {
    return this.consumers.some((c) => c.connected);
  }

  add(opts: SubscriptionOptions) {
    const connect = async () => {
      const consumer = new MqttConsumer({
        url: opts.url,
        clientId: opts.clientId,
        topic: opts.topic,
        protocolVersion: opts.protocolVersion,
        receiveMaximum: opts.receiveMaximum,
        sessionExpirySeconds: opts.sessionExpirySeconds,
      });
      consumer.on("message", opts.onMessage);
      consumer.on("error", (err: Error) => this.events.emit("warning", `mqtt ${opts.topic}`, err));
      consumer.on("close", () => {
        const i = this.consumers.indexOf(consumer);
        if (i >= 0) this.consumers.splice(i, 1);
        if (!this.stopping) setTimeout(() => void connect(), 1_000);
      });
      try {
        await consumer.connect();
        this.consumers.push(consumer);
        this.events.emit("info", `subscribed to ${opts.topic} on ${redactUrl(opts.url)}`);
      } catch (err) {
        this.events.emit("warning", `mqtt ${opts.topic}`, err as Error);
        if (!this.stopping) setTimeout(() => void connect(), 1_000);
      }
    };
    void connect();
  }

  /** No more messages (the broker sends nothing after it confirms). */
  async unsubscribe() {
    this.stopping = true;
    await Promise.all(this.consumers.map((c) => c.unsubscribe()));
  }

  /** Ends the sessions: nothing is left for the broker to keep for this worker. */
  async close() {
    this.stopping = true;
    await Promise.all(this.consumers.map((c) => c.close()));
  }
}
