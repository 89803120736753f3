// Every change of a batch decided for every active link of its home: one decision set per change,
// and one outbox message per link that may be told something. The hot path: the engine's request
// object and `kindOf`'s input are reused, kinds are cached by the engine's frozen reason objects,
// each value's canonical JSON is made once and shared by the ledger, the device's memo of what was
// sent and the message.
import { canonicalJson, kindOf, type DecisionKind, type KindInput } from "@proviso/audit";
import { textArray } from "@proviso/db";
import { ADAPTERS, categoryGroups, categoryOfProperty, FULFIL_REQUEST, type AdapterId, type CategoryGroups, type ShadowProperty } from "@proviso/domain";
import type { Adapters } from "@proviso/partners";
import { decideShare, type ShareRequest } from "@proviso/policy";
import type { LinkInfo, World } from "@proviso/snapshot";
import { randomUUID } from "node:crypto";
import { encodeStateText, outboxKind } from "../outbox/codec";
import { emptyOutbox, type OutboxColumns, type ShadowRow } from "./bulk";
import type { Change } from "./merge";
import { sentJson, setSent } from "./shadow-cache";
import type { IngestResult } from "./types";

/** The decisions about one change, before their ids are known: `count` of them from `start` in the batch's lists. */
export interface PendingSet {
  change: Change;
  start: number;
  count: number;
}

/**
 * Every decision of a batch, in order, as three lists side by side: what it concluded, the link it
 * was about, what was (or would have been) sent. One list each for the batch, not three per change.
 */
export interface Decided {
  kinds: DecisionKind[];
  linkIds: string[];
  sents: (string | null)[];
}

export interface DecidedBatch {
  pending: PendingSet[];
  decided: Decided;
  /** Outbox rows; `decisionIds` holds each message's first decision's place in `decided` until ids are reserved. */
  outbox: OutboxColumns;
}

const STATE_KIND = Object.fromEntries(ADAPTERS.map((a) => [a, outboxKind(a, "state")])) as Record<AdapterId, string>;

/** `"category":` for each category key (a taxonomy has a few dozen), made once. */
const memberPrefixes = new Map<string, string>();
const memberPrefix = (category: string) => memberPrefixes.get(category) ?? memberPrefixes.set(category, `${JSON.stringify(category)}:`).get(category)!;

export function decideBatch(
  world: World,
  adapters: Adapters,
  changes: readonly Change[],
  shadows: ReadonlyMap<string, ShadowRow>,
  result: IngestResult,
): DecidedBatch {
  const decider = new BatchDecider(world, adapters, result);
  for (const c of changes) decider.decideChange(c, shadows.get(c.device.deviceId)!);
  return { pending: decider.pending, decided: decider.decided, outbox: decider.outbox };
}

/**
 * What the decisions of one batch are made with. The change, link, set and shadow being decided
 * are fields (set before each decision), so deciding makes no closure per change.
 */
class BatchDecider {
  readonly pending: PendingSet[] = [];
  readonly decided: Decided = { kinds: [], linkIds: [], sents: [] };
  readonly outbox = emptyOutbox();
  private readonly req: ShareRequest = {
    partnerId: "",
    homeId: "",
    modelKey: "",
    category: "",
    mode: "proactive",
    purpose: FULFIL_REQUEST,
    at: 0,
    properties: {},
    lastSentAt: null,
  };
  private readonly kind: KindInput = {
    partnerId: "",
    categoryKey: "",
    mode: "proactive",
    stage: "change",
    outcome: "",
    reasons: [],
    agreementVersionId: null,
    clauseKeys: [],
    consentVersion: null,
  };
  /** The message being made for one link: its categories, and its payload's members as JSON text. */
  private readonly draft = { changed: [] as string[], changedJson: "", context: [] as string[], contextJson: "" };
  private c!: Change;
  private link!: LinkInfo;
  private set!: PendingSet;
  private shadow!: ShadowRow;

  constructor(
    private readonly world: World,
    private readonly adapters: Adapters,
    private readonly result: IngestResult,
  ) {}

  decideChange(c: Change, shadow: ShadowRow) {
    const links = this.world.linksByHome.get(c.device.homeId);
    if (!links || links.length === 0) return;
    const { req, decided, draft, outbox } = this;
    this.c = c;
    this.shadow = shadow;
    this.set = { change: c, start: decided.kinds.length, count: 0 };
    const byCategory = categoryGroups(c.changed);
    req.homeId = c.device.homeId;
    req.modelKey = c.device.modelKey;
    req.at = c.observedMs;
    for (const link of links) {
      this.link = link;
      const first = decided.kinds.length;
      draft.changed.length = draft.context.length = 0;
      draft.changedJson = draft.contextJson = "";
      for (let i = 0; i < byCategory.categories.length; i++) this.decide(byCategory.categories[i]!, byCategory.properties[i]!, false);
      if (draft.changed.length === 0) continue;
      const complete = this.adapters[link.adapter].completeWith[c.device.kind];
      if (complete) this.complete(complete, byCategory);
      outbox.messageIds.push(randomUUID());
      outbox.partnerIds.push(link.partnerId);
      outbox.linkIds.push(link.linkId);
      outbox.homeIds.push(c.device.homeId);
      outbox.deviceIds.push(c.device.deviceId);
      outbox.decisionIds.push(first);
      outbox.kinds.push(STATE_KIND[link.adapter]);
      outbox.categoryKeys.push(textArray(draft.context.length ? [...draft.changed, ...draft.context] : draft.changed));
      outbox.payloads.push(encodeStateText(c.device.deviceId, c.report.cause, c.report.observedAt, draft.changedJson, draft.contextJson));
      outbox.observedMs.push(c.observedMs);
    }
    if (this.set.count) this.pending.push(this.set);
  }

  private decide(category: string, properties: Record<string, unknown>, asContext: boolean) {
    const { req, kind, link, shadow, decided } = this;
    req.partnerId = link.partnerId;
    req.category = category;
    req.properties = properties;
    req.lastSentAt = shadow.sent.get(link.partnerId)?.get(category)?.at ?? null;
    const d = decideShare(this.world.policy, req);
    this.result.decisions[d.outcome]++;
    kind.partnerId = link.partnerId;
    kind.categoryKey = category;
    kind.outcome = d.outcome;
    kind.reasons = d.reasons;
    kind.agreementVersionId = d.agreementVersionId;
    kind.clauseKeys = d.clauseKeys;
    kind.consentVersion = d.consentVersion;
    decided.kinds.push(kindOf(kind));
    decided.linkIds.push(link.linkId);
    this.set.count++;
    if (d.outcome === "withhold") {
      decided.sents.push(null);
      return;
    }
    // The engine's object, shared by the memo and the ledger, and its canonical text, shared by
    // the ledger, the memo and the message: nothing changes either later.
    const sent = d.properties as Record<string, unknown>;
    const json = canonicalJson(sent);
    decided.sents.push(json);
    this.addToDraft(category, json, asContext);
    setSent(shadow.sent, link.partnerId, category, { at: this.c.observedMs, properties: sent, json });
    shadow.sentSet = true;
  }

  /**
   * Categories the platform takes together (Google's traits are overwritten whole): what it
   * already has completes the message without telling it anything new (a change held back by a
   * minimum interval stays held back); what it never had is decided like a change.
   */
  private complete(categories: readonly string[], byCategory: CategoryGroups) {
    const { c, link, shadow, draft } = this;
    for (const category of categories) {
      if (draft.changed.includes(category) || !c.device.categories.includes(category)) continue;
      const known = shadow.sent.get(link.partnerId)?.get(category);
      if (known) {
        this.addToDraft(category, sentJson(known), true);
        continue;
      }
      if (byCategory.categories.includes(category)) continue;
      const props = propertiesOf(shadow.properties, category);
      if (hasAny(props)) this.decide(category, props, true);
    }
  }

  private addToDraft(category: string, json: string, asContext: boolean) {
    const member = memberPrefix(category) + json;
    const draft = this.draft;
    if (asContext) {
      draft.contextJson += draft.context.length ? `,${member}` : member;
      draft.context.push(category);
    } else {
      draft.changedJson += draft.changed.length ? `,${member}` : member;
      draft.changed.push(category);
    }
  }
}

function hasAny(o: object) {
  for (const _ in o) return true;
  return false;
}

function propertiesOf(shadow: Record<string, ShadowProperty>, category: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(shadow)) if (categoryOfProperty(name) === category) out[name] = p.value;
  return out;
}
