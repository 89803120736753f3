// The same terms written as a Cedar policy set, so the benchmark can make the same decisions with
// Cedar (`statefulIsAuthorized` on a preparsed policy set). Only the benchmark uses this.
import type { EntityJson } from "@cedar-policy/cedar-wasm";
import type { PolicySnapshot, ShareRequest } from "../src/types";

const q = (s: string) => JSON.stringify(s);
const BIG = 8_640_000_000_000_000; // far future, in ms

export function cedarPolicies(snapshot: PolicySnapshot): string {
  const out: string[] = [];
  for (const v of snapshot.versions) {
    const partner = `Proviso::Partner::${q(v.partnerId)}`;
    const window = `context.at >= ${v.effectiveFrom} && context.at < ${v.endsAt ?? BIG}`;
    for (const { terms } of v.clauses) {
      if (terms.kind === "data_share") {
        const key = q(`${v.partnerId}|${terms.category}`);
        const consent = `resource.home.consent has ${key}`;
        for (const mode of terms.modes) {
          const consented =
            mode === "proactive" ? `resource.home.consent[${key}] == "proactive"` : `["on_request", "proactive"].contains(resource.home.consent[${key}])`;
          out.push(
            `permit (principal == ${partner}, action == Proviso::Action::${q(mode)}, resource is Proviso::Device) when {\n` +
              `  context.category == ${q(terms.category)} && [${terms.purposes.map(q).join(", ")}].contains(context.purpose) &&\n` +
              `  ${window} && resource.home.links.contains(${q(v.partnerId)}) && ${consent} && ${consented}\n};`,
          );
        }
        const interval = terms.minimisation.minIntervalSeconds;
        if (interval) {
          out.push(
            `forbid (principal == ${partner}, action == Proviso::Action::"proactive", resource) when {\n` +
              `  context.category == ${q(terms.category)} && context has lastSentAgo && context.lastSentAgo < ${interval * 1000}\n};`,
          );
        }
      } else if (terms.kind === "certification_requirement" && terms.consequence !== "none") {
        const c = `resource.certs[${q(terms.programme)}]`;
        out.push(
          `forbid (principal == ${partner}, action, resource is Proviso::Device) when {\n` +
            `  ${window} && [${terms.models.map(q).join(", ")}].contains(resource.model) && resource.certs has ${q(terms.programme)} &&\n` +
            `  (${c}.status == "expired" || ${c}.status == "revoked" || (${c}.status == "certified" && ${c}.validUntil <= context.at))\n};`,
        );
      }
    }
  }
  return out.join("\n");
}

/** Entities per home (links and consents) and per model (certifications), built once. */
export function cedarEntities(snapshot: PolicySnapshot) {
  const homes = new Map<string, { links: string[]; consent: Record<string, string> }>();
  const home = (id: string) => {
    let h = homes.get(id);
    if (!h) homes.set(id, (h = { links: [], consent: {} }));
    return h;
  };
  for (const l of snapshot.links) if (l.status === "active") home(l.homeId).links.push(l.partnerId);
  for (const c of snapshot.consents) home(c.homeId).consent[`${c.partnerId}|${c.category}`] = c.mode;
  const certs = new Map<string, Record<string, { status: string; validUntil: number }>>();
  for (const c of snapshot.certifications) {
    const m = certs.get(c.modelKey) ?? {};
    m[c.programmeKey] = { status: c.status, validUntil: c.validUntil ?? BIG };
    certs.set(c.modelKey, m);
  }
  const homeEntities = new Map<string, EntityJson>();
  for (const [id, h] of homes) {
    homeEntities.set(id, { uid: { type: "Proviso::Home", id }, attrs: { links: h.links, consent: h.consent }, parents: [] });
  }
  return {
    forRequest(req: ShareRequest): EntityJson[] {
      const homeEntity = homeEntities.get(req.homeId) ?? {
        uid: { type: "Proviso::Home", id: req.homeId },
        attrs: { links: [], consent: {} },
        parents: [],
      };
      return [
        homeEntity,
        {
          uid: { type: "Proviso::Device", id: "d" },
          attrs: {
            home: { __entity: { type: "Proviso::Home", id: req.homeId } },
            model: req.modelKey,
            certs: certs.get(req.modelKey) ?? {},
          },
          parents: [],
        },
      ];
    },
  };
}
