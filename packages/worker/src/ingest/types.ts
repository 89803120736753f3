// What ingest takes and gives.
import type { StateReport } from "@proviso/domain";
import type { Rejection } from "./validate";

export interface IncomingReport {
  source: "mqtt" | "http";
  topic?: string;
  /** As received (an MQTT payload stays a Buffer: it is decoded again only if it goes to quarantine). */
  raw: string | Buffer;
  report?: StateReport;
  rejection?: Rejection;
}

export interface IngestResult {
  accepted: number;
  unchanged: number;
  stale: number;
  quarantined: number;
  stateEvents: number;
  decisions: { send: number; withhold: number; transform: number };
  outbox: number;
}

export const emptyResult = (quarantined = 0): IngestResult => ({
  accepted: 0,
  unchanged: 0,
  stale: 0,
  quarantined,
  stateEvents: 0,
  decisions: { send: 0, withhold: 0, transform: 0 },
  outbox: 0,
});
