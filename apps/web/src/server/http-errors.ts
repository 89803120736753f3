import { TRPCError } from "@trpc/server";

/** A tRPC refusal as the matching HTTP answer, for route handlers that call procedures. */
export function errorResponse(err: unknown): Response {
  if (err instanceof TRPCError) {
    const status = { UNAUTHORIZED: 401, FORBIDDEN: 403, NOT_FOUND: 404, BAD_REQUEST: 400 }[err.code as string] ?? 500;
    if (status !== 500) return new Response(err.message, { status });
  }
  throw err;
}
