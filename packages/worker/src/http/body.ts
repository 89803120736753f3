// Reading a request's body within the worker's limits.
import { MAX_REPORT_BYTES, MAX_REPORTS_PER_REQUEST } from "@proviso/domain";
import type http from "node:http";

/** Room for a full batch of reports at the largest size each may have, and the array around them. */
export const MAX_BODY = MAX_REPORTS_PER_REQUEST * (MAX_REPORT_BYTES + 8) + 1_024;

/**
 * A POSTed JSON list: the body if it is an array, else its `key`; otherwise the status and the
 * reason to answer with.
 */
export async function readJsonList(req: http.IncomingMessage, key: string, expected: string): Promise<unknown[] | { status: number; error: string }> {
  const raw = await readBody(req);
  if (raw === null) return { status: 413, error: `body over ${MAX_BODY} bytes` };
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return { status: 400, error: "body is not JSON" };
  }
  const list = Array.isArray(body) ? body : (body as Record<string, unknown> | null)?.[key];
  return Array.isArray(list) ? list : { status: 400, error: expected };
}

/**
 * The request's body, or null past MAX_BODY. What comes after the limit is read and dropped rather
 * than the connection cut (up to four times the limit), so the client gets its 413 and the reason
 * instead of a reset.
 */
export function readBody(req: http.IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    let size = 0;
    let chunks: Buffer[] | null = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (chunks && size > MAX_BODY) chunks = null;
      chunks?.push(c);
      // A body that goes on and on is cut off after all.
      if (size > 4 * MAX_BODY) {
        resolve(null);
        req.destroy();
      }
    });
    req.on("end", () => resolve(chunks ? Buffer.concat(chunks).toString("utf8") : null));
    req.on("error", reject);
  });
}
