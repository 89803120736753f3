// `npm run bench:snapshot`: how long a change to what the engine decides by takes to reach a
// worker's snapshot on a large fleet (BENCH_SNAPSHOT_HOMES, 100,000 by default), from the commit of
// the statement that made it to the moment `WorldCache.current()` decides by it: the worker's own
// cache, polling every 500 ms and (on PostgreSQL) listening. Per kind of change: a homeowner's
// consent, a link revoked, a new home linked, a device moved to another home, a certification's
// validity changed, an agreement version ended, a device model renamed (every device of it remade).
// Also, for comparison, how long loading the snapshot whole takes (what every one of these did
// before the change log). The issue asks for "within a second". Then the discovery watch's checks
// over the same fleet: its first, a whole one when nothing moved, and the timer's.
import { seed, stableId } from "@proviso/seed";
import { performance } from "node:perf_hooks";
import { linkDiscovery } from "@proviso/db";
import { createAdapters } from "@proviso/partners";
import { announcementOf, Describer } from "../src/discovery/describe";
import { announcementDigest } from "../src/discovery/digest";
import { DiscoveryWatch } from "../src/discovery/watch";
import { loadWorld, readPolicyVersion, WorldCache, type World } from "@proviso/snapshot";
import { benchBackends, benchDatabase } from "./databases";

const HOMES = Number(process.env.BENCH_SNAPSHOT_HOMES ?? 100_000);
const REPEAT = Number(process.env.BENCH_SNAPSHOT_REPEAT ?? 5);
const NOW = new Date("2026-11-24T00:00:00Z");
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

type Pool = { query(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }> };

/** One change of each kind per call (`i`: which repetition, so each touches other rows). */
function changes(pool: Pool): [label: string, make: (i: number) => Promise<unknown>][] {
  const home = (i: number) => stableId(`home:${(i * 7919) % HOMES}`);
  return [
    [
      "consent (a homeowner's choice)",
      (i) =>
        pool.query(
          `insert into consents (home_id, partner_id, category_key, mode, version)
           select $1, 'alexa', 'user.device.sensor.temperature', 'off', coalesce(max(version), 0) + 1
             from consents where home_id = $1 and partner_id = 'alexa' and category_key = 'user.device.sensor.temperature'`,
          [home(i)],
        ),
    ],
    [
      "link revoked",
      (i) =>
        pool.query(
          "update partner_links set status = 'revoked', ended_at = now() where id = (select id from partner_links where home_id = $1 and status = 'active' limit 1)",
          [home(i + 100)],
        ),
    ],
    [
      "new home linked",
      async (i) => {
        const { rows } = await pool.query("insert into homes (name, region, timezone) values ($1, 'eu', 'Europe/London') returning id", [`Bench home ${i}`]);
        await pool.query("insert into partner_links (home_id, partner_id, region, external_account_id) values ($1, 'google-home', 'eu', $2)", [
          rows[0]!.id,
          `bench-agent-${i}`,
        ]);
      },
    ],
    [
      "device moved to another home",
      (i) => pool.query("update devices set home_id = $2 where id = (select id from devices where home_id = $1 limit 1)", [home(i + 200), home(i + 300)]),
    ],
    [
      "certification's validity changed",
      (i) =>
        pool.query("update certifications set valid_until = $1 where id = (select id from certifications order by id limit 1)", [
          new Date(NOW.getTime() + (i + 30) * 86_400_000),
        ]),
    ],
    [
      "agreement version ended",
      (i) =>
        pool.query(
          `update agreement_versions set ended_at = $1 where id = (select v.id from agreement_versions v join agreements a on a.id = v.agreement_id
             where a.partner_id = 'smartthings' and v.status = 'active' limit 1)`,
          [new Date(NOW.getTime() + (i + 365) * 86_400_000)],
        ),
    ],
    [
      "device model renamed",
      (i) => pool.query("update device_models set name = $1 where id = (select id from device_models order by id limit 1)", [`Model ${i}`]),
    ],
  ];
}

console.log(`snapshot benchmark: ${fmt(HOMES)} homes, ${REPEAT} changes of each kind`);
// This checkout's migrations, not whatever template another checkout or an older run left behind.
if (process.env.DATABASE_URL) await (await import("@proviso/db/testing")).prepareTemplateDatabase();
for (const backend of benchBackends()) {
  const t = await benchDatabase(backend);
  try {
    await seed(t.db, { homes: HOMES, now: NOW });
    const loads: number[] = [];
    let world: World | null = null;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      world = await loadWorld(t.db);
      loads.push(performance.now() - t0);
    }
    console.log(
      `\n${backend === "embedded" ? "embedded (PGlite)" : "PostgreSQL"}: ${fmt(world!.devices.size)} devices, ${fmt(world!.linkById.size)} active links`,
    );
    console.log(`  whole load                          ${fmt(median(loads))} ms (median of 3)`);
    const updates: { origin: World["origin"]; ms: number }[] = [];
    const cache = new WorldCache(t.db, 500, (w, ms) => updates.push({ origin: w.origin, ms }));
    await cache.start({ listenUrl: backend === "postgres" ? t.url : undefined });
    for (const [label, make] of changes(t.pool)) {
      const seen: number[] = [];
      const applied: number[] = [];
      const how = new Set<string>();
      for (let i = 0; i < REPEAT; i++) {
        // Start from a quiet cache, so each change is measured on its own, at a moment unrelated to
        // the poll's (changes made right after a poll would each wait a whole interval).
        await cache.check();
        await new Promise((r) => setTimeout(r, Math.random() * 500));
        updates.length = 0;
        await make(i);
        const committed = performance.now();
        const version = await readPolicyVersion(t.db);
        while (cache.current().policyVersion < version) await new Promise((r) => setTimeout(r, 1));
        seen.push(performance.now() - committed);
        for (const u of updates) {
          applied.push(u.ms);
          how.add(u.origin);
        }
      }
      console.log(
        `  ${label.padEnd(36)}commit → snapshot ${fmt(median(seen))} ms median, ${fmt(Math.max(...seen))} ms max (${[...how].join(", ")} in ${fmt(median(applied))} ms median)`,
      );
    }
    // The discovery watch over the same fleet: its first check (every link described), a whole
    // check when nothing moved, and the timer's (partners' states compared, told digests read).
    const adapters = createAdapters({}, "http://127.0.0.1:9");
    const watch = new DiscoveryWatch({ db: t.db, adapters, world: () => cache.current() });
    // The first check queues an update for every link; their delivery is recorded here, as the
    // delivery loop would record it, so the later checks find every link told what it may be.
    const told = async () => {
      const w = cache.current();
      const describer = new Describer(w, Date.now());
      const rows = [...w.linkById.values()]
        .filter((l) => adapters[l.adapter].tellsDiscovery(l))
        .map((l) => {
          const devices = announcementOf(describer.discoverableDevices(l));
          return { linkId: l.linkId, devices, digest: announcementDigest(devices), via: "add_or_update" as const, announcedAt: new Date() };
        });
      for (let i = 0; i < rows.length; i += 1_000) {
        await t.db
          .insert(linkDiscovery)
          .values(rows.slice(i, i + 1_000))
          .onConflictDoNothing();
      }
    };
    for (const [label, run] of [
      ["discovery: first check, all recorded told", () => watch.check().then(told)],
      ["discovery: whole check, nothing moved", () => watch.check()],
      ["discovery: timer's check, nothing moved", () => watch.check(undefined, { timed: true })],
    ] as const) {
      const t0 = performance.now();
      await run();
      console.log(
        `  ${label.padEnd(44)}${fmt(performance.now() - t0)} ms (${fmt(watch.lastCheck.links)} links, ${fmt(watch.lastCheck.hashed)} hashed, ${fmt(watch.lastCheck.described)} described)`,
      );
    }
    cache.stop();
  } finally {
    await t.drop();
  }
}
