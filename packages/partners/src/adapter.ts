// The one interface every platform's adapter implements. The worker's stages (ingest, discovery,
// delivery, partner requests) call it and never ask which platform they speak to: everything
// Proviso knows about a platform lives in its folder (alexa/, google/, smartthings/, webhook/),
// behind this interface, and is listed once in registry.ts.
import type { AdapterId, DeviceKind } from "@proviso/domain";
import type { z } from "zod";
import type { DeliveryOutcome, classifyResponse } from "./answers";
import type { CallbackUrls, DeviceDescription, DeviceState, DiscoveryDiff, GrantedTokens, PartnerDevice, PartnerLink, StateChange, WireRequest } from "./types";

/** How a partner learnt what it knows of a link's devices (`link_discovery.via`). */
export type AnnouncedVia = "discover" | "sync" | "discovery" | "add_or_update" | "request_sync" | "discovery_callback" | "nothing_to_tell";

/** A state message, decided and re-decided, as delivery hands it to the adapter. */
export interface StateSend {
  link: PartnerLink;
  device: PartnerDevice;
  /** Stable across retries: the platform's message or request id. */
  messageId: string;
  change: Omit<StateChange, "messageId" | "deviceId">;
  now: number;
}

/** A deletion request as the platform is told of it. */
export interface DeletionNotice {
  id: string;
  requestedAt: Date;
  deadline: Date;
  /** Device ids the platform was last told of for the link. */
  announced: string[];
}

/** A platform asking something of us, read from its own request format. */
export type InboundRequest =
  | { kind: "discover"; token: string | undefined; via: AnnouncedVia; respond(devices: DeviceDescription[], link: PartnerLink): unknown }
  | {
      kind: "state";
      token: string | undefined;
      deviceIds: string[];
      /** Given the allowed state of the asked devices that belong to the link's home (others left out). */
      respond(states: { deviceId: string; kind: DeviceKind; state: DeviceState; observedAt: string }[], link: PartnerLink): unknown;
    }
  | {
      kind: "grant";
      token: string | undefined;
      code: string | undefined;
      /** Where the platform wants to be called back (SmartThings); null where it has fixed endpoints. */
      callbackUrls: CallbackUrls | null;
      respond(result: { ok: true } | { ok: false; message: string }): unknown;
    }
  | { kind: "unlink"; token: string | undefined; respond(): unknown }
  | { kind: "ack"; token: string | undefined; respond(): unknown };

/** A request refused, with the platform's own error type (answered in its shape by `inbound.error`). */
export class PartnerRequestError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** What a platform's adapter does, with its settings bound (`Platform.create`). */
export interface PartnerAdapter {
  id: AdapterId;
  /**
   * Whether this link's platform can be told unasked when what it may know of the home's devices
   * changes (a discovery update: outbox kind `<id>.discovery`, beside every platform's `<id>.state`):
   * never for some platforms, only once it has granted us a way to call it for others.
   */
  tellsDiscovery(link: PartnerLink): boolean;
  /** Requests a minute the platform takes from one integration (null: no limit of its own). */
  requestsPerMinute: number | null;
  /**
   * Categories a message about a device of this kind must carry together (Google's traits are
   * overwritten whole): completed from what the partner already has, or decided like a change.
   */
  completeWith: Partial<Record<DeviceKind, readonly string[]>>;
  /** The platform's format for a state change, or why it cannot carry what may be sent. */
  stateRequest(send: StateSend): WireRequest | { unsendable: string };
  /** A discovery update as the requests to send in order (none: nothing to tell). */
  discoveryRequests(link: PartnerLink, messageId: string, diff: DiscoveryDiff): WireRequest[];
  /**
   * How the platform is told that a link ended and what it received about the home is to be
   * deleted: the requests to send in order, or null where the platform offers no way to be told
   * (the partner then confirms in the partner portal). `announced`: the devices it was told of.
   */
  deletionRequests(link: PartnerLink, request: DeletionNotice, now: number): WireRequest[] | null;
  /** What `link_discovery` records once a discovery update is taken. */
  announcedVia: AnnouncedVia;
  /** Reads the platform's answer (delivered, retry, refresh the token, revoked, dead). */
  classify: (opts: Parameters<typeof classifyResponse>[0]) => DeliveryOutcome;
  /**
   * Proviso's own bearer toward the platform, where it authenticates Proviso rather than a link
   * (Google: an OAuth token obtained as a service account); null where per-link tokens are used.
   * The worker puts it in the link's `accessToken` before building a request.
   */
  serviceCredential: (() => Promise<string>) | null;
  /**
   * Whether messages are signed with the partner's own secrets (webhooks): the worker puts the
   * secrets in force on the link (`signingSecrets`) before building a request.
   */
  signedWithPartnerSecrets: boolean;
  /** Exchanging a granted code and refreshing, for platforms that give us tokens per link. */
  credentials: {
    exchange(code: string, link: PartnerLink, callbackUrls: CallbackUrls | null): Promise<GrantedTokens>;
    refresh(refreshToken: string, link: PartnerLink): Promise<GrantedTokens>;
  } | null;
  /** Requests the platform makes of us: where, how they read, and the platform's error shape. */
  inbound: {
    path: string;
    read(body: unknown, headers: Record<string, string | undefined>): InboundRequest;
    error(err: PartnerRequestError, body: unknown): { status: number; body: unknown };
  } | null;
}

/** A platform: its settings (read from the environment, defaulting to the sandbox) and its adapter. */
export interface Platform<S = unknown> {
  id: AdapterId;
  /**
   * Whether the platform's user installs the integration per home, giving us where to send
   * (callback URLs and a grant) — until then nothing proactive can go. The sandbox plays that
   * install at `POST /__sandbox/<id>/install`, which the launcher calls for the demo's links.
   */
  installedPerHome: boolean;
  /** Environment variables it reads, as a zod object (every key optional or defaulted). */
  settings: z.ZodType<Record<string, unknown>>;
  /** Its settings from the parsed environment, with the sandbox at `sandboxBase` for what is unset. */
  resolve(env: Record<string, unknown>, sandboxBase: string): S;
  create(settings: S): PartnerAdapter;
}
