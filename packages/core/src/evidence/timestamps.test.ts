// Checkpoints time-stamped by an RFC 3161 authority (the sandbox plays one, with pkijs): tokens are
// kept beside their checkpoint and checked against the one certificate trusted — a rogue TSA's
// token, a token moved to another checkpoint, a backdated checkpoint and a missing stamp are each
// named. A TSA that is down costs a retry, never a checkpoint. On both backends.
import { createCheckpoint, keyring, signerFromSeed, stampCheckpoints, verifyChain, appendAudit, type TimestampAuthority } from "@proviso/audit";
import type { Executor } from "@proviso/db";
import { availableBackends, createTestDatabase, type TestDatabase } from "@proviso/db/testing";
import { createSandbox, makeTsaIdentity, Recorder } from "@proviso/sandbox";
import { seed } from "@proviso/seed";
import { sql } from "drizzle-orm";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rolledBack } from "./testing/ledger-fixtures";

const signer = signerFromSeed(Buffer.alloc(32, 7).toString("base64"));
const trusted = keyring([signer.publicKey]);
const append = (db: Executor, id: string) =>
  appendAudit(db, { action: "consent.changed", entityType: "consent", entityId: id, details: { mode: "on_request" } });

for (const backend of availableBackends()) {
  describe(`time-stamped checkpoints (${backend})`, () => {
    let t: TestDatabase;
    let tsa: TimestampAuthority;
    let rogue: TimestampAuthority;
    const servers: ReturnType<typeof createSandbox>[] = [];

    /** A sandbox playing a TSA with an identity of its own; its URL. */
    async function startTsa(identity: Awaited<ReturnType<typeof makeTsaIdentity>>) {
      const s = createSandbox(new Recorder(), null, { tsa: identity });
      servers.push(s);
      await new Promise<void>((r) => s.server.listen(0, "127.0.0.1", r));
      return `http://127.0.0.1:${(s.server.address() as AddressInfo).port}/tsa`;
    }

    beforeAll(async () => {
      t = await createTestDatabase(backend);
      await seed(t.db, { homes: 1, now: new Date() });
      const [ours, theirs] = [await makeTsaIdentity(), await makeTsaIdentity()];
      tsa = { url: await startTsa(ours), certificateDer: ours.certificateDer };
      rogue = { url: await startTsa(theirs), certificateDer: theirs.certificateDer };
      await t.db.transaction((tx) => append(tx, "a"));
      await createCheckpoint(t.db, signer, new Date(), { trusted });
    });
    afterAll(async () => {
      for (const s of servers) s.server.close();
      await t?.drop();
    });

    const verify = (db: Executor, requireOlderThan?: Date) => verifyChain(db, { trusted, timestamps: { authorities: [tsa], requireOlderThan } });

    it("stamps each checkpoint once, and the token verifies against the TSA's certificate", async () => {
      expect(await stampCheckpoints(t.db, [tsa])).toEqual({ stamped: 1, errors: [] });
      expect(await stampCheckpoints(t.db, [tsa])).toEqual({ stamped: 0, errors: [] });
      const r = await verify(t.db, new Date(Date.now() + 60_000));
      expect(r.failure).toBeNull();
      expect(r.timestamped).toBe(1);
      // Stored as a TimeStampResp (DER) whose time is the authority's.
      const [row] = (await t.pool.query("select token, stamped_at from audit_checkpoint_timestamps")).rows;
      expect(Buffer.from(row.token, "base64")[0]).toBe(0x30);
      expect(Math.abs(new Date(row.stamped_at).getTime() - Date.now())).toBeLessThan(60_000);
    });

    it("names a token from another authority, and one moved from another checkpoint", async () => {
      await rolledBack(t, async (tx) => {
        await tx.execute(sql`alter table audit_checkpoint_timestamps disable trigger audit_checkpoint_timestamps_append_only`);
        await tx.execute(sql`delete from audit_checkpoint_timestamps`);
        await stampCheckpoints(tx, [rogue]);
        await tx.execute(sql`update audit_checkpoint_timestamps set authority = ${tsa.url}`);
        const r = await verify(tx);
        expect(r.failure!.message).toMatch(/time-stamp does not verify: it was not signed by the trusted time-stamp authority/);
      });
      await rolledBack(t, async (tx) => {
        await tx.execute(sql`alter table audit_checkpoint_timestamps disable trigger audit_checkpoint_timestamps_append_only`);
        await append(tx, "b");
        const second = await createCheckpoint(tx, signer, new Date(), { trusted });
        await tx.execute(sql`update audit_checkpoint_timestamps set checkpoint_id = ${second!.id}`);
        const r = await verify(tx);
        expect(r.failure!.message).toMatch(new RegExp(`checkpoint ${second!.id}: .*its message imprint is not this checkpoint's digest`));
      });
    });

    it("catches a checkpoint made later and backdated, even signed with the real key, and one left without a stamp", async () => {
      await rolledBack(t, async (tx) => {
        await append(tx, "c");
        const weekAgo = new Date(Date.now() - 7 * 86_400_000);
        await createCheckpoint(tx, signer, weekAgo, { trusted });
        await stampCheckpoints(tx, [tsa], { now: weekAgo }); // the forger asks the authority today

        const r = await verify(tx);
        expect(r.failure!.message).toMatch(/was first time-stamped at .*: made later and backdated\?/);
      });
      await rolledBack(t, async (tx) => {
        await append(tx, "d");
        const unstamped = await createCheckpoint(tx, signer, new Date(), { trusted });
        expect((await verify(tx)).failure).toBeNull(); // recent: the authority may still be asked
        const r = await verify(tx, new Date(Date.now() + 60_000));
        expect(r.failure!.message).toBe(`checkpoint ${unstamped!.id} (signed ${unstamped!.createdAt}) has no time-stamp from a trusted authority`);
      });
    });

    it("asks again later when the authority is down: the checkpoint stands meanwhile", async () => {
      await rolledBack(t, async (tx) => {
        // A long outage: 25 checkpoints signed meanwhile, every one stamped once the authority is back.
        for (let i = 0; i < 25; i++) {
          await append(tx, `e${i}`);
          await createCheckpoint(tx, signer, new Date(), { trusted });
        }
        const down = await stampCheckpoints(tx, [{ ...tsa, url: "http://127.0.0.1:9/tsa" }]);
        expect(down.stamped).toBe(0);
        expect(down.errors[0]).toMatch(/^http:\/\/127.0.0.1:9\/tsa: /);
        expect(await stampCheckpoints(tx, [tsa])).toMatchObject({ stamped: 25 });
        expect((await verify(tx, new Date(Date.now() + 60_000))).failure).toBeNull();
      });
    });
  });
}
