// A discovery update (see ../discovery), built now from the snapshot of this moment against what
// the partner was last told. Its requests go in order; if one fails the update is retried whole
// (each is idempotent at the partner). Once all are taken, what the partner now knows is recorded.
import type { LinkInfo } from "@proviso/snapshot";
import { diffAnnouncement, readAnnouncements, recordAnnouncement } from "../discovery/announcements";
import { announcementOf, discoverableDevices } from "../discovery/describe";
import { decodeDiscovery } from "../outbox/codec";
import type { OutboxRow } from "./claim";
import { cancel, delivered } from "./record";
import type { Round } from "./round";
import { heldBack, send } from "./send";
import { asCalled } from "../lib/service-credential";
import { beforeExpiry } from "../lib/link-tokens";

export async function deliverDiscovery(round: Round, row: OutboxRow) {
  const { deps } = round;
  const now = round.now();
  // What the check noticed is not needed to build the update (it is built afresh), but a payload
  // that is not one is a message this code cannot deliver: it fails its attempt.
  decodeDiscovery(row.payload);
  const world = deps.freshWorld ? await deps.freshWorld() : deps.world();
  const link = world.linkById.get(row.linkId);
  if (!link) return cancel(round, row, "link no longer active");
  const adapter = deps.adapters[link.adapter];
  const current = discoverableDevices(world, link, now);
  const told = (await readAnnouncements(deps.db, [link.linkId])).get(link.linkId);
  const diff = diffAnnouncement(current, told);
  const build = (l: LinkInfo) => adapter.discoveryRequests(l, row.messageId, diff);
  const called = await beforeExpiry(deps.db, deps.cipher, adapter, await asCalled(adapter, link, round.secretsOf), now, round.refreshing);
  const requests = build(called);
  if (requests.length === 0) {
    // Undone before it went, or a link with nothing to tell of: either way the partner's view and
    // what is allowed agree. Recorded where nothing was, so the next check does not queue it again.
    if (!told) await recordAnnouncement(deps.db, link.linkId, {}, "nothing_to_tell", new Date(now));
    return cancel(round, row, "nothing to announce: the partner was already told this");
  }
  if (await heldBack(round, row, now)) return;
  // The same requests for a link whose token was refreshed on the way, rebuilt with the new bearer.
  let at = called;
  let status: number | null = null;
  for (let i = 0; i < requests.length; i++) {
    const sent = await send(round, row, adapter, at, (l) => (l === called ? requests[i]! : build(l)[i]!));
    if (!sent) return;
    at = sent.link;
    status = sent.status;
  }
  await recordAnnouncement(deps.db, link.linkId, announcementOf(current), adapter.announcedVia, new Date(now));
  delivered(round, row, status);
}
