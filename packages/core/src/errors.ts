/** The one error domain code throws; packages/api maps each code to a tRPC code once. */
export type AppErrorCode = "NOT_FOUND" | "FORBIDDEN" | "INVALID" | "CONFLICT";

export class AppError extends Error {
  override name = "AppError";
  constructor(
    readonly code: AppErrorCode,
    message: string,
    /** Field-level problems, keyed by the input path (`clauses.2.terms.modes`). */
    readonly fieldErrors?: Record<string, string[]>,
  ) {
    super(message);
  }
}
