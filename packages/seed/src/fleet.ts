// Homes, their owners, devices, partner links and consents, generated home by home from the seed
// so that any slice of a large data set can be rebuilt on its own.
import { activeShares } from "./agreements";
import { DAY_MS, MODELS, PARTNERS, SKUS } from "./catalogue";
import { ownerOf } from "./people";
import { createRng, stableId } from "./random";

const SURNAMES = [
  "Berg",
  "Novak",
  "Okafor",
  "Garcia",
  "Kim",
  "Rossi",
  "Dubois",
  "Silva",
  "Nowak",
  "Jensen",
  "Tanaka",
  "Murphy",
  "Fischer",
  "Haddad",
  "Costa",
  "Larsen",
  "Moreau",
  "Ivanova",
  "Schmidt",
  "Patel",
];
const SENSOR_ROOMS = ["Bedroom", "Kitchen", "Hallway", "Nursery", "Office"];
const LINK_ODDS: Record<string, number> = { alexa: 0.8, "google-home": 0.5, "apple-home": 0.2, smartthings: 0.15 };

export interface HomeBundle {
  home: { id: string; name: string; region: string; timezone: string; createdAt: Date };
  owner: ReturnType<typeof ownerOf>;
  devices: { id: string; homeId: string; modelId: string; skuId: string; name: string; room: string; serial: string }[];
  links: { id: string; homeId: string; partnerId: string; region: string; externalAccountId: string; linkedAt: Date }[];
  consents: {
    homeId: string;
    partnerId: string;
    categoryKey: string;
    mode: "off" | "on_request" | "proactive";
    version: number;
    setBy: string;
    setAt: Date;
  }[];
}

export function buildHome(index: number, now: Date): HomeBundle {
  const rng = createRng(`home:${index}`);
  const region = rng.chance(0.6) ? "US" : "EU";
  const homeId = stableId(`home:${index}`);
  const owner = ownerOf(index);
  const days = (d: number) => new Date(now.getTime() - d * DAY_MS);
  const home = {
    id: homeId,
    name: `${index === 0 ? "Berg" : rng.pick(SURNAMES)} home`,
    region,
    timezone:
      region === "US" ? rng.pick(["America/New_York", "America/Chicago", "America/Los_Angeles"]) : rng.pick(["Europe/Berlin", "Europe/London", "Europe/Paris"]),
    createdAt: days(rng.int(60, 700)),
  };

  const devices: HomeBundle["devices"] = [];
  const addDevice = (modelKey: string, name: string, room: string) => {
    const model = MODELS.find((m) => m.key === modelKey)!;
    const sku = SKUS.find((s) => s.modelId === model.id && s.region === region)!;
    devices.push({
      id: stableId(`device:${index}:${devices.length}`),
      homeId,
      modelId: model.id,
      skuId: sku.id,
      name,
      room,
      serial: `${sku.code}-${String(index).padStart(6, "0")}-${devices.length}`,
    });
  };
  addDevice("proviso-t1", "Thermostat", "Living room");
  if (index === 0 || rng.chance(0.9)) addDevice("proviso-s1", "Room sensor", rng.pick(SENSOR_ROOMS));
  if (index === 0 || rng.chance(0.8)) addDevice("proviso-l1", "Front door lock", "Front door");
  if (rng.chance(0.3)) addDevice("proviso-s1", "Room sensor 2", rng.pick(SENSOR_ROOMS));

  const links: HomeBundle["links"] = [];
  const consents: HomeBundle["consents"] = [];
  for (const partner of PARTNERS) {
    const linked = index === 0 ? partner.id === "alexa" || partner.id === "google-home" : rng.chance(LINK_ODDS[partner.id]!);
    if (!linked) continue;
    const linkedAt = days(rng.int(10, 300));
    links.push({
      id: stableId(`link:${index}:${partner.id}`),
      homeId,
      partnerId: partner.id,
      region,
      externalAccountId: `${partner.id}-acct-${rng.uuid().slice(0, 13)}`,
      linkedAt,
    });
    // Homeowners tend to choose one way for a platform: keep it private, answer when asked, or
    // let it follow changes; a few categories differ from their usual choice.
    const profile = rng.next();
    for (const share of activeShares(partner.id)) {
      const roll = rng.chance(0.15) ? rng.next() : profile;
      if (roll < 0.2) continue; // privacy by default: no row means off
      const wantsProactive = roll > 0.6 && share.modes.includes("proactive");
      const mode = wantsProactive ? "proactive" : share.modes.includes("on_request") ? "on_request" : "proactive";
      const setAt = new Date(linkedAt.getTime() + rng.int(0, 5) * DAY_MS);
      let version = 1;
      if (rng.chance(0.1)) {
        // Some homeowners changed their mind once: the history keeps both.
        consents.push({ homeId, partnerId: partner.id, categoryKey: share.category, mode: "off", version, setBy: owner.id, setAt });
        version++;
      }
      consents.push({
        homeId,
        partnerId: partner.id,
        categoryKey: share.category,
        mode,
        version,
        setBy: owner.id,
        setAt: new Date(setAt.getTime() + (version - 1) * DAY_MS),
      });
    }
  }
  return { home, owner, devices, links, consents };
}
