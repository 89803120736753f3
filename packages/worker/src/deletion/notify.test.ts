// Deletion reaches the partner: after an unlink each platform is told in its own way, the request
// is marked sent and the chain says so; a failure is retried later; a platform with no way to be
// told leaves it to its partner to confirm.
import { unlinkByPlatform } from "@proviso/core";
import { stableId } from "@proviso/seed";
import { describe, expect, it } from "vitest";
import { home0, useHarness } from "../testing/harness";
import { addPartner } from "../testing/support";
import { notifyDeletions } from "./notify";

const h = useHarness();
const deps = () => ({ db: h.t.db, adapters: h.adapters(), cipher: h.cipher, now: () => h.clock });
const requestOf = async (linkId: string) =>
  (await h.t.pool.query("select id, status, told_via, sent_at, attempts, next_attempt_at, last_error from deletion_requests where link_id = $1", [linkId]))
    .rows[0];
const unlink = (partnerId: string) => unlinkByPlatform(h.t.db, { homeId: home0, partnerId, now: new Date(h.clock) });

describe("telling partners of deletion requests", () => {
  it("asks Home Graph to forget the agent user; a failure is retried later, then it is sent and on the chain", async () => {
    const link = stableId("link:0:google-home");
    const agentUserId = (await h.t.pool.query("select external_account_id from partner_links where id = $1", [link])).rows[0].external_account_id;
    await unlink("google-home");
    await h.sandbox.recorder.faults.set("google-home", { status: 503 });
    expect(await notifyDeletions(deps())).toMatchObject({ sent: 0, failed: 1 });
    const failed = await requestOf(link);
    expect(failed).toMatchObject({ status: "pending", told_via: null, attempts: 1, last_error: expect.stringContaining("503") });
    expect(failed.next_attempt_at.getTime()).toBeGreaterThan(h.clock);
    // Not again before its time.
    expect(await notifyDeletions(deps())).toEqual({ sent: 0, failed: 0, noChannel: 0 });
    h.sandbox.recorder.faults.clear();
    h.clock += 61_000;
    expect(await notifyDeletions(deps())).toMatchObject({ sent: 1 });
    expect(await requestOf(link)).toMatchObject({ status: "sent", told_via: "request", sent_at: new Date(h.clock) });
    const deleted = h.received("google-home").filter((m) => m.endpoint === "/google/v1/agentUsers (DELETE)");
    expect(deleted.at(-1)).toMatchObject({ status: 200, messageId: agentUserId });
    const entry = (await h.t.pool.query("select action, details from audit_log where entity_id = $1", [failed.id])).rows;
    expect(entry).toEqual([expect.objectContaining({ action: "deletion.sent" })]);
    // Once sent, never again.
    expect(await notifyDeletions(deps())).toEqual({ sent: 0, failed: 0, noChannel: 0 });
  });

  it("tells Alexa every endpoint it knew of is gone (DeleteReport, schema-valid)", async () => {
    const link = stableId("link:0:alexa");
    await h.t.pool.query(
      "insert into link_discovery (link_id, devices, digest, via) values ($1, $2, 'd', 'add_or_update') on conflict (link_id) do update set devices = excluded.devices",
      [link, JSON.stringify({ [stableId("device:0:0")]: "a", [stableId("device:0:1")]: "b" })],
    );
    await unlink("alexa");
    expect(await notifyDeletions(deps())).toMatchObject({ sent: 1 });
    const report = h.received("alexa").at(-1)!;
    expect(report).toMatchObject({ status: 202, schemaValid: true });
    expect(report.deviceIds.sort()).toEqual([stableId("device:0:0"), stableId("device:0:1")].sort());
    expect(await requestOf(link)).toMatchObject({ status: "sent" });
  });

  it("sends a webhook partner a signed deletion.requested event; SmartThings, with no way to be told, is left to confirm", async () => {
    const webhookLink = await h.addPartner({
      id: "acme-hooks",
      adapter: "webhook",
      homeId: home0,
      categories: ["user.device.sensor.temperature"],
      since: new Date(h.clock - 86_400_000),
    });
    const stLink = await addPartner(h.t, {
      id: "st-test",
      adapter: "smartthings",
      homeId: home0,
      categories: ["user.device.sensor.temperature"],
      since: new Date(h.clock - 86_400_000),
    });
    await unlink("acme-hooks");
    await unlink("st-test");
    expect(await notifyDeletions(deps())).toMatchObject({ sent: 1, noChannel: 1 });
    // Signed with the partner's own secret: its receiver (which holds only that) verified it.
    const event = h.received("acme-hooks").at(-1)!;
    expect(event).toMatchObject({ status: 200, schemaValid: true, body: expect.objectContaining({ type: "deletion.requested", homeId: home0 }) });
    expect(h.sandbox.options.webhookSecrets!["acme-hooks"]).toHaveLength(1);
    expect(await requestOf(webhookLink)).toMatchObject({ status: "sent" });
    expect(await requestOf(stLink)).toMatchObject({ status: "pending", told_via: "none", last_error: expect.stringContaining("partner portal") });
    expect(await notifyDeletions(deps())).toEqual({ sent: 0, failed: 0, noChannel: 0 });
  });
});
