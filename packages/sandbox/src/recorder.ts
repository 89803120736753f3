// What the sandbox received, per partner and device, and the faults tests have asked it to inject.

export interface ReceivedMessage {
  seq: number;
  partner: string;
  endpoint: string;
  receivedAt: string;
  /** The device ids the message speaks about (read from the platform's own format). */
  deviceIds: string[];
  messageId: string | null;
  authorization: string | null;
  status: number;
  /** Checked against the platform's published schema (null: the schemas were not available). */
  schemaValid: boolean | null;
  schemaErrors: string[];
  body: unknown;
}

export interface Fault {
  /** Respond with this status instead of the platform's success answer. */
  status?: number;
  /** Fraction of requests (0–1) that get `status`; 1 when omitted. */
  errorRate?: number;
  /** Delay before answering. */
  latencyMs?: number;
  retryAfterSeconds?: number;
}

export class Recorder {
  private messages: ReceivedMessage[] = [];
  private seq = 0;
  readonly faults = new Map<string, Fault>();
  /** Tokens the sandbox's token endpoint issued: access token → expired? */
  readonly accessTokens = new Map<string, boolean>();
  readonly refreshTokens = new Set<string>();
  /** Codes the sandbox granted (SmartThings' grantCallbackAccess), not yet exchanged. */
  readonly grantCodes = new Set<string>();

  constructor(private readonly capacity = 100_000) {}

  record(m: Omit<ReceivedMessage, "seq">): ReceivedMessage {
    const entry = { ...m, seq: ++this.seq };
    this.messages.push(entry);
    if (this.messages.length > this.capacity) this.messages.splice(0, this.messages.length - this.capacity);
    return entry;
  }

  list(filter: { partner?: string; device?: string; since?: number }): ReceivedMessage[] {
    return this.messages.filter(
      (m) =>
        (!filter.partner || m.partner === filter.partner) &&
        (!filter.device || m.deviceIds.includes(filter.device)) &&
        (filter.since === undefined || m.seq > filter.since),
    );
  }

  clear() {
    this.messages = [];
  }
}

/** Device ids in an Alexa event, a Google Home Graph report or SYNC response, a SmartThings message, a webhook. */
export function deviceIdsOf(body: unknown): string[] {
  const b = body as {
    event?: { endpoint?: { endpointId?: string }; payload?: { endpoints?: { endpointId?: string }[] } };
    payload?: { devices?: { states?: Record<string, unknown> } | { id?: string }[] };
    deviceId?: string;
    deviceState?: { externalDeviceId?: string }[];
    devices?: { externalDeviceId?: string }[];
  };
  const ids = new Set<string>();
  for (const d of [...(b?.deviceState ?? []), ...(Array.isArray(b?.devices) ? b.devices : [])])
    if (typeof d?.externalDeviceId === "string") ids.add(d.externalDeviceId);
  if (b?.event?.endpoint?.endpointId) ids.add(b.event.endpoint.endpointId);
  for (const e of b?.event?.payload?.endpoints ?? []) if (e.endpointId) ids.add(e.endpointId);
  const devices = b?.payload?.devices;
  if (Array.isArray(devices)) {
    for (const d of devices) if (typeof d?.id === "string") ids.add(d.id); // a SYNC response
  } else for (const id of Object.keys(devices?.states ?? {})) ids.add(id);
  if (typeof b?.deviceId === "string") ids.add(b.deviceId);
  return [...ids];
}
