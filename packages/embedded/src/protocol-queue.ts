// pglite-socket runs every connection's messages on the one PGlite session through a queue, one
// protocol message at a time, and keeps to one connection only inside an explicit transaction.
// Outside one, an extended-protocol exchange (Parse, Bind, Describe, Execute … Sync) from one
// connection can interleave with another's: the second Parse replaces the unnamed statement and
// the first Bind fails ("bind message supplies 1 parameters, but prepared statement requires 2").
// This replaces the queue's scheduler so a connection that has begun such an exchange keeps the
// session until its Sync, as a real server's per-connection sessions would.
import type { PGLiteSocketServer } from "@electric-sql/pglite-socket";

interface QueueItem {
  handlerId: number;
  message: Uint8Array;
  resolve(bytes: number): void;
  reject(err: unknown): void;
  onData(data: Uint8Array): void;
}

interface QueryQueue {
  queue: QueueItem[];
  processing: boolean;
  lastHandlerId: number | null;
  db: {
    isInTransaction(): boolean;
    runExclusive<T>(fn: () => Promise<T>): Promise<T>;
    execProtocolRawStream(message: Uint8Array, opts: { onRawData(data: Uint8Array): void }): Promise<unknown>;
  };
  processQueue(): Promise<void>;
  clearQueueForHandler(handlerId: number): void;
}

// Frontend message types that continue an extended-protocol exchange, and those that end one.
const CONTINUES = new Set("PBDECHF".split("").map((c) => c.charCodeAt(0)));
const ENDS = new Set("SQX".split("").map((c) => c.charCodeAt(0)));

export function serialiseExtendedProtocol(server: PGLiteSocketServer): void {
  const q = (server as unknown as { queryQueue?: QueryQueue }).queryQueue;
  if (!q || typeof q.processQueue !== "function" || !Array.isArray(q.queue)) {
    throw new Error("pglite-socket's query queue is not where this version expects it: check protocol-queue.ts against the installed version");
  }
  /** The connection in the middle of an extended-protocol exchange, if any. */
  let owner: number | null = null;

  q.processQueue = async function processQueue(this: QueryQueue) {
    if (this.processing || this.queue.length === 0) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const sticky = owner ?? (this.db.isInTransaction() ? this.lastHandlerId : null);
        const index = sticky === null ? 0 : this.queue.findIndex((item) => item.handlerId === sticky);
        // The owner's next message has not arrived yet: wait for it (its enqueue restarts us).
        if (index === -1) break;
        const item = this.queue.splice(index, 1)[0]!;
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item.message, {
              onRawData: (data) => {
                bytes += data.length;
                item.onData(data);
              },
            }),
          );
        } catch (err) {
          if (owner === item.handlerId) owner = null;
          item.reject(err);
          continue;
        }
        this.lastHandlerId = item.handlerId;
        const type = item.message[0]!;
        if (ENDS.has(type)) owner = null;
        else if (CONTINUES.has(type)) owner = item.handlerId;
        item.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  };

  // A connection that goes away mid-exchange must not hold the session.
  const clear = q.clearQueueForHandler.bind(q);
  q.clearQueueForHandler = (handlerId: number) => {
    clear(handlerId);
    if (owner === handlerId) {
      owner = null;
      void q.processQueue();
    }
  };
}
