// What one delivery round shares: its dependencies, its tally, and what it records at its end.
import type { TokenCipher } from "@proviso/core";
import type { Database } from "@proviso/db";
import type { Adapters, RetryPolicy } from "@proviso/partners";
import type { LinkInfo, World } from "@proviso/snapshot";
import type { DecisionRow } from "../lib/decision-row";
import type { HttpPost } from "./http-post";
import type { SecretsOf } from "../lib/service-credential";
import type { Allowance, Limit } from "./rate-limits";

export interface DeliveryDeps {
  db: Database;
  world: () => World;
  /** The snapshot checked against the database just now (the worker's WorldCache.fresh). */
  freshWorld?: () => Promise<World>;
  adapters: Adapters;
  /** The clock (epoch ms); every time a round reads or records comes from it. */
  now?: () => number;
  /** How messages are POSTed (node:http with keep-alive unless given). */
  post?: HttpPost;
  batchSize?: number;
  leaseMs?: number;
  timeoutMs?: number;
  concurrency?: number;
  retry?: RetryPolicy;
  onDelivered?: (latencyMs: number, partnerId: string) => void;
  onPartnerError?: (partnerId: string, status: number | null) => void;
  /** Opens and seals the tokens platforms grant us; without it a 401 is retried once as it was. */
  cipher?: TokenCipher | null;
}

export interface DeliveryResult {
  claimed: number;
  delivered: number;
  retried: number;
  dead: number;
  cancelled: number;
  revoked: number;
  deferred: number;
}

export interface Delivered {
  id: number;
  at: Date;
  status: number | null;
}

/** One round: its dependencies and clock, its tally, and what it records at its end in one transaction. */
export interface Round {
  deps: DeliveryDeps;
  /** The webhook partners' signing secrets, read once a round. */
  secretsOf: SecretsOf;
  /** Platform tokens being refreshed before their expiry, by link: one refresh for a round's messages to the link. */
  refreshing: Map<string, Promise<LinkInfo>>;
  now: () => number;
  result: DeliveryResult;
  /** Links the partner said were revoked during this round: their other messages are cancelled. */
  revokedLinks: Set<string>;
  /** What re-decision withheld, sealed once for the round. */
  withheld: DecisionRow[];
  /** Messages the partners took, marked delivered in one statement. */
  done: Delivered[];
  /** The round's rate-limit tokens, and the buckets each of its messages draws on. */
  allowance: Allowance;
  limits: Map<number, Limit[]>;
  /** Partners holding back (a 429, read at the claim or met in this round) → until when (epoch ms). */
  holds: Map<string, number>;
}
