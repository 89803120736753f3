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
