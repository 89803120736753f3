// The broker's clients kept in step with the database, as the broker's admin: the worker's own
// client (the only one that may read the devices' reports), and no device client whose credential
// has been revoked or has run past its grace period. New credentials reach the broker when they are
// issued (their secret is in hand only then: core/devices/credentials.ts); this takes away what the
// database says is over, every `intervalMs`, and at once when asked (`kick`).
import { BrokerAdmin, isDeviceClient } from "@proviso/broker";
import { activeDeviceKeyIds } from "@proviso/core";
import type { Database } from "@proviso/db";

export interface BrokerAccessOptions {
  db: Database;
  /** The broker, without credentials. */
  url: string;
  admin: { username: string; password: string };
  /** The worker's own client, made (or its password set) on the broker. */
  worker: { username: string; password: string } | null;
  intervalMs?: number;
  onError: (err: Error) => void;
  info: (message: string) => void;
}

export class BrokerAccessKeeper {
  private admin: BrokerAdmin | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private stopped = false;

  constructor(private readonly opts: BrokerAccessOptions) {}

  start() {
    void this.kick();
    this.timer = setInterval(() => void this.kick(), this.opts.intervalMs ?? 30_000);
  }

  /** One pass now (joined if one is under way): resolves with how many clients it took away. */
  kick(): Promise<number> {
    this.running ??= this.pass()
      .catch((err: Error) => {
        this.opts.onError(err);
        void this.admin?.close().catch(() => {});
        this.admin = null; // connected again on the next pass
        return 0;
      })
      .finally(() => (this.running = null));
    return this.running;
  }

  private async pass(): Promise<number> {
    if (this.stopped) return 0;
    if (!this.admin) {
      this.admin = await BrokerAdmin.connect(this.opts.url, this.opts.admin);
      if (this.opts.worker) await this.admin.ensureWorker(this.opts.worker.username, this.opts.worker.password);
    }
    const active = await activeDeviceKeyIds(this.opts.db);
    const over = (await this.admin.listClients()).filter((username) => isDeviceClient(username) && !active.has(username));
    if (over.length) {
      await this.admin.revoke(over);
      this.opts.info(`broker: took away ${over.length} device client(s) whose credential was revoked or past its grace`);
    }
    return over.length;
  }

  async stop() {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await this.admin?.close().catch(() => {});
  }
}
