// Account linking, with Proviso as the OAuth 2 authorization server: each platform's client (its
// secret and the redirect URIs it may use), the codes a homeowner's approval issues, and the
// tokens a platform then presents, each bound to one link. Secrets, codes and tokens are 256
// random bits: only their SHA-256 is kept (no slow hash needed), never the value.
import { sql } from "drizzle-orm";
import { boolean, check, index, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { partners } from "./catalogue";
import { partnerLinks } from "./homes";

export const oauthClients = pgTable("oauth_clients", {
  /** The client_id the platform sends. */
  id: text("id").primaryKey(),
  partnerId: text("partner_id")
    .notNull()
    .references(() => partners.id),
  /** SHA-256 of the client secret, hex. */
  secretHash: text("secret_hash").notNull(),
  /** The secret a rotation replaced, still accepted until `previousSecretExpiresAt` (the platform's changeover). */
  previousSecretHash: text("previous_secret_hash"),
  previousSecretExpiresAt: timestamp("previous_secret_expires_at", { withTimezone: true }),
  /** Where the platform may be sent back with a code: exact matches only. */
  redirectUris: jsonb("redirect_uris").$type<string[]>().notNull(),
  /** Codes are issued only with a PKCE challenge (S256). */
  requirePkce: boolean("require_pkce").notNull().default(true),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  /** Set when the client is withdrawn: nothing of it is accepted from then on. */
  disabledAt: timestamp("disabled_at", { withTimezone: true }),
});

export const oauthCodes = pgTable("oauth_codes", {
  codeHash: text("code_hash").primaryKey(),
  clientId: text("client_id")
    .notNull()
    .references(() => oauthClients.id),
  linkId: uuid("link_id")
    .notNull()
    .references(() => partnerLinks.id),
  redirectUri: text("redirect_uri").notNull(),
  codeChallenge: text("code_challenge"),
  codeChallengeMethod: text("code_challenge_method"),
  scope: jsonb("scope").$type<string[]>(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const oauthTokens = pgTable(
  "oauth_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    kind: text("kind").$type<"access" | "refresh">().notNull(),
    clientId: text("client_id")
      .notNull()
      .references(() => oauthClients.id),
    linkId: uuid("link_id")
      .notNull()
      .references(() => partnerLinks.id),
    scope: jsonb("scope").$type<string[]>(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** Set when revoked (unlink, the platform's revocation, a refresh token used, one replayed). */
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [index("oauth_tokens_link_idx").on(t.linkId), check("oauth_tokens_kind_check", sql`${t.kind} in ('access', 'refresh')`)],
);

/**
 * The secrets Proviso signs a webhook partner's messages with (Standard Webhooks, `whsec_…`): kept
 * sealed (AES-GCM bound to the partner and the secret's id), since signing needs the value. The
 * newest is current; a rotation gives the ones it replaces a `retiresAt`, and until then every
 * message carries a signature with each, so the partner can switch over without losing one.
 */
export const partnerSigningSecrets = pgTable(
  "partner_signing_secrets",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    partnerId: text("partner_id")
      .notNull()
      .references(() => partners.id),
    secretSealed: text("secret_sealed").notNull(),
    /** The secret's first characters, to tell secrets apart on screen without showing them. */
    hint: text("hint").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** Null while current; after a rotation, when the partner stops being signed for with it. */
    retiresAt: timestamp("retires_at", { withTimezone: true }),
  },
  (t) => [index("partner_signing_secrets_partner_idx").on(t.partnerId)],
);
