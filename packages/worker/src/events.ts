// The worker's stages talk through these events (one emitter per worker, `startWorker().events`):
// a stage says what happened, and whoever needs to know listens — delivery wakes when messages
// are queued, discovery when the snapshot moves, the metrics count everything.
import { EventEmitter } from "node:events";
import type { World } from "@proviso/snapshot";
import type { DeliveryResult } from "./delivery/round";
import type { IngestResult } from "./ingest/types";

export interface WorkerEventMap {
  /** An ingest batch committed (reports from MQTT or HTTP, or the worker's connectivity check). */
  "ingest.committed": [result: IngestResult];
  /** An ingest batch could not be committed; it is kept and tried again. */
  "ingest.failed": [error: Error];
  /** Messages were queued in the outbox (by ingest or discovery): delivery should look. */
  "outbox.queued": [count: number];
  /** A delivery round ended. */
  "delivery.round": [result: DeliveryResult];
  /** A message was taken by its partner, `latencyMs` after it was queued. */
  "delivery.delivered": [partnerId: string, latencyMs: number];
  /** A partner answered anything but success (null: no answer). */
  "delivery.partner_error": [partnerId: string, status: number | null];
  /** The snapshot moved: loaded whole, or the changes since applied (`world.changedHomes` names their homes). */
  "snapshot.updated": [world: World, ms: number];
  /** Discovery updates were queued. */
  "discovery.queued": [count: number];
  /** A subsystem failed in a way it recovers from (named, with the error). */
  warning: [subsystem: string, error: Error];
  /** Something an operator reads in the log. */
  info: [message: string];
}

export class WorkerEvents extends EventEmitter<WorkerEventMap> {}
