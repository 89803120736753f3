/**
 * 1. CONTEXT — what every procedure receives: the database and the signed-in user (or null).
 * 2. INITIALISATION — tRPC with superjson, and AppError mapped to tRPC codes in one place.
 * 3. PROCEDURES — one builder per access level, each taking its row of the ACCESS table.
 */
import type { SessionUser } from "@proviso/auth";
import { AppError, fieldErrorsOf, type AppErrorCode } from "@proviso/core";
import type { Database } from "@proviso/db";
import type { Role } from "@proviso/domain";
import { keyring, type Keyring, type Signer, type TimestampAuthority, type Witness } from "@proviso/audit";
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import { ACCESS, type ProcedurePath } from "./access";

// ─── 1. Context ────────────────────────────────────────────────────────────────────────────────

export interface Context {
  db: Database;
  user: SessionUser | null;
  /** Signs audit checkpoints (AUDIT_SIGNING_KEY or a remote signer). */
  signer: Signer | null;
  /** The keys whose checkpoints verification trusts: the signer's and the retired ones (AUDIT_TRUSTED_KEYS). */
  trusted: Keyring;
  /** The Time-Stamp Authorities that stamp checkpoints (AUDIT_TSA_URLS). */
  authorities: readonly TimestampAuthority[];
  /** Witnesses that hold every checkpoint outside the database (AUDIT_WITNESS_DIRS, AUDIT_WITNESS_URLS). */
  witnesses: readonly Witness[];
}

export function createContext(opts: {
  db: Database;
  user: SessionUser | null;
  signer?: Signer | null;
  trusted?: Keyring;
  authorities?: readonly TimestampAuthority[];
  witnesses?: readonly Witness[];
}): Context {
  return {
    db: opts.db,
    user: opts.user,
    signer: opts.signer ?? null,
    trusted: opts.trusted ?? keyring([opts.signer?.publicKey]),
    authorities: opts.authorities ?? [],
    witnesses: opts.witnesses ?? [],
  };
}

// ─── 2. Initialisation ─────────────────────────────────────────────────────────────────────────

const TRPC_CODE: Record<AppErrorCode, TRPCError["code"]> = {
  NOT_FOUND: "NOT_FOUND",
  FORBIDDEN: "FORBIDDEN",
  INVALID: "BAD_REQUEST",
  CONFLICT: "CONFLICT",
};

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    return {
      ...shape,
      data: {
        ...shape.data,
        // Field-level errors from zod input validation or from domain validation.
        // Keyed by dotted path into the input (`clauses.2.terms.modes`), so a form can show each
        // message beside its field.
        fieldErrors: cause instanceof ZodError ? fieldErrorsOf(cause) : cause instanceof AppError ? (cause.fieldErrors ?? null) : null,
      },
    };
  },
});

/** Turns AppError from domain code into the matching TRPCError. */
const mapAppErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: TRPC_CODE[cause.code], message: cause.message, cause });
  }
  return result;
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

// ─── 3. Procedures ─────────────────────────────────────────────────────────────────────────────

const base = t.procedure.use(mapAppErrors);

const requireUser = t.middleware(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in first." });
  return next({ ctx: { ...ctx, user: ctx.user } });
});

function requireRole<R extends Role>(roles: readonly R[]) {
  return t.middleware(({ ctx, next }) => {
    const user = ctx.user;
    if (!user) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in first." });
    if (!roles.includes(user.role as R)) {
      throw new TRPCError({ code: "FORBIDDEN", message: "Your role may not do this." });
    }
    return next({ ctx: { ...ctx, user: user as SessionUser & { role: R } } });
  });
}

/** Narrows `ctx` for partner staff: `partnerId` is always their own partner, never input. */
const requirePartner = t.middleware(({ ctx, next }) => {
  const partnerId = ctx.user?.partnerId;
  if (!ctx.user || ctx.user.role !== "partner" || !partnerId) {
    throw new TRPCError({ code: "FORBIDDEN", message: "Only a partner's staff may do this." });
  }
  return next({ ctx: { ...ctx, user: ctx.user, partnerId } });
});

type AccessOf<P extends ProcedurePath> = (typeof ACCESS)[P];

/** For procedures anyone may call. The path must be listed as "public". */
export function publicProcedure<P extends ProcedurePath>(path: AccessOf<P> extends "public" ? P : never) {
  assertAccess(path, "public");
  return base;
}

/** For any signed-in user. */
export function signedInProcedure<P extends ProcedurePath>(path: AccessOf<P> extends "signed_in" ? P : never) {
  assertAccess(path, "signed_in");
  return base.use(requireUser);
}

/** For the roles the ACCESS table lists for `path`. */
export function roleProcedure<P extends ProcedurePath>(path: P) {
  const access = ACCESS[path];
  if (typeof access === "string") throw new Error(`${path} is ${access}, not role-restricted`);
  return base.use(requireRole(access as readonly Role[]));
}

/** For partner staff, with their own `partnerId` in context. */
export function partnerProcedure<P extends ProcedurePath>(path: P) {
  const access = ACCESS[path] as unknown;
  if (!Array.isArray(access) || access.length !== 1 || access[0] !== "partner") {
    throw new Error(`${path} must be listed as ["partner"] to use partnerProcedure`);
  }
  return base.use(requireRole(["partner"])).use(requirePartner);
}

function assertAccess(path: string, expected: string) {
  if ((ACCESS as Record<string, unknown>)[path] !== expected) throw new Error(`${path} is not ${expected}`);
}
