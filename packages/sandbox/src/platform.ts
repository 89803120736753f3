// What the sandbox needs to play one platform: the endpoints where it receives what Proviso sends
// (each authenticated, checked against the platform's schema, recorded and answered as the
// platform answers), and any endpoints of the sandbox's own API that play the platform's side of
// a conversation (asking the worker, as the platform would). One module per platform (platforms/).
import type { TsaIdentity } from "./tsa";
import type http from "node:http";
import type { MessageCheck } from "@proviso/partners";
import type { Accounts, LinkingOptions } from "./accounts";
import type { Recorder } from "./recorder";

/** Checks a message against the platform's schema (see @proviso/partners createMessageChecker). */
export interface SchemaChecker {
  alexa(body: unknown): MessageCheck;
  google(body: unknown): MessageCheck;
  googleRequestSync(body: unknown): MessageCheck;
  googleSync(body: unknown): MessageCheck;
  smartthings(body: unknown): MessageCheck;
  webhook(body: unknown): MessageCheck;
}

/** A Google service account as Google holds it: its email and public key (PEM). */
export interface GoogleServiceAccount {
  clientEmail: string;
  publicKey: string;
}

export interface SandboxOptions {
  /**
   * The integration's Google fulfillment URL. Like Home Graph, the sandbox answers a requestSync
   * and then asks SYNC there (with the bearer the requestSync came with) and records the answer,
   * checked against Google's SYNC response schema. Without it, a requestSync is only recorded.
   */
  googleFulfillmentUrl?: string;
  /** The Alexa skill's directive URL (the worker's), where the sandbox sends Alexa's directives (AcceptGrant, Discover). */
  alexaDirectivesUrl?: string;
  /** The SmartThings connector's URL (the worker's), where the sandbox sends SmartThings' interactions. */
  smartthingsConnectorUrl?: string;
  /** The connector's client as registered with SmartThings (the worker's SMARTTHINGS_CLIENT_ID / _SECRET). */
  smartthingsClient?: { clientId: string; clientSecret: string };
  /**
   * The secrets each webhook partner's receiver holds, by partner (more than one during a rotation).
   * With them, the sandbox checks each webhook's Standard Webhooks signature and timestamp as a
   * receiver would and refuses (401) one that fails; without them, they are not checked.
   */
  webhookSecrets?: Record<string, string[]>;
  /** The time-stamp authority it plays at `/tsa` (RFC 3161); without it, `/tsa` answers 404. */
  tsa?: TsaIdentity;
  /** The receiver's clock, ms (tests whose worker runs on a clock of its own pass it). */
  now?: () => number;
  /**
   * Required (`Authorization: Bearer …`) of every call to the sandbox's own API, `/__sandbox/*`:
   * what partners received, faults, token expiry, SmartThings' interactions. The app always sets
   * one (npm start generates it); a test's in-process sandbox may go without.
   */
  apiToken?: string | null;
  /**
   * Proviso's authorization server and each platform's client with it: with them the sandbox
   * plays each platform's side of account linking (its app at `/app/<partner>/link`) and refreshes
   * the tokens it holds.
   */
  linking?: LinkingOptions;
  /**
   * The service account Proviso calls Home Graph as (its public key): with it the sandbox plays
   * Google's token endpoint (`/google/oauth2/token`) and Home Graph accepts only tokens issued
   * there; without it, any bearer.
   */
  googleServiceAccount?: GoogleServiceAccount;
}

export interface Context {
  recorder: Recorder;
  /** The accounts each platform linked, with the tokens Proviso issued it. */
  accounts: Accounts;
  checker: SchemaChecker | null;
  options: SandboxOptions;
  /** The sandbox's own base URL, as the request reached it (for URLs it hands out). */
  base: string;
  /** The request being answered. */
  request: http.IncomingMessage;
}

export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A page to show instead of JSON (the platforms' apps during account linking). */
  html?: string;
  /** A refusal the platform's receiver records, with why (a webhook's bad signature). */
  recordErrors?: string[];
}

/** An endpoint where the platform receives what Proviso sends. */
export interface Receiver {
  path: string | RegExp;
  /** The partner it records under (a webhook's from its path). */
  partner(match: RegExpExecArray | null): string;
  check(checker: SchemaChecker, body: unknown): MessageCheck;
  /**
   * The credential the message came with, as the platform reads it: the bearer (for expiry and
   * the record), or an answer refusing it before anything else is looked at.
   */
  authenticate(ctx: Context, req: http.IncomingMessage, raw: string, body: unknown): { bearer: string | null } | Answer;
  success(body: unknown): Answer;
  /** What the platform does next (Home Graph asks SYNC after a requestSync). */
  after?(ctx: Context, req: http.IncomingMessage, answer: Answer, body: unknown): void;
}

/** The sandbox's own API endpoint for one platform (under `/__sandbox/`): null if not this one's. */
export type ApiHandler = (ctx: Context, method: string, path: string, raw: string) => Promise<Answer | null>;

export interface PlayedPlatform {
  receivers: Receiver[];
  api?: ApiHandler;
}

/** The bearer of an `Authorization: Bearer …` header, or a 401 as the platforms answer its absence. */
export function bearerOf(req: http.IncomingMessage): { bearer: string } | Answer {
  const h = req.headers.authorization;
  return h?.startsWith("Bearer ") ? { bearer: h.slice(7) } : { status: 401, body: { error: "missing bearer token" } };
}

/** A JSON body, or a 400. */
export function jsonOf(raw: string): { body: unknown } | Answer {
  try {
    return { body: JSON.parse(raw) };
  } catch {
    return { status: 400, body: { error: "body is not JSON" } };
  }
}

/** POSTs JSON to the worker as a platform would; the status and parsed answer (or the error). */
export async function askWorker(url: string, body: unknown, authorization: string | null): Promise<{ status: number; body: unknown }> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) };
    } catch {
      return { status: res.status, body: text };
    }
  } catch (err) {
    return { status: 0, body: { error: (err as Error).message } };
  }
}
