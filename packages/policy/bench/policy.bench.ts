// `npm run bench:policy`: ns per decision and decisions per second of the engine on a realistic
// snapshot (4 partners, ~10 clauses each, consents of 100,000 homes), and the same decisions made
// by Cedar (statefulIsAuthorized on a preparsed policy set encoding the same terms), with the ratio.
import { preparsePolicySet, statefulIsAuthorized } from "@cedar-policy/cedar-wasm/nodejs";
import { compileSnapshot } from "../src/compile";
import { decideShare } from "../src/decide";
import { cedarEntities, cedarPolicies } from "./cedar";
import { buildScenario } from "./scenario";

const HOMES = Number(process.env.BENCH_HOMES ?? 100_000);
const fmt = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 0 });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

console.log(`building the scenario: ${fmt(HOMES)} homes…`);
const { snapshot, requests } = buildScenario(HOMES, 1_000_000);
const clauses = snapshot.versions.reduce((n, v) => n + v.clauses.length, 0);
console.log(
  `snapshot: ${snapshot.versions.length} partners, ${clauses} clauses, ${fmt(snapshot.links.length)} links, ${fmt(snapshot.consents.length)} consents`,
);

let t0 = process.hrtime.bigint();
const policy = compileSnapshot(snapshot);
console.log(`compile: ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms`);

// Engine: warm up, then time batches of 10,000 decisions; report the median batch.
const BATCH = 10_000;
let sink = 0;
for (let i = 0; i < 200_000; i++) sink += decideShare(policy, requests[i]!).reasons.length;
const perDecision: number[] = [];
for (let round = 0; round < 3; round++) {
  for (let start = 0; start < requests.length; start += BATCH) {
    t0 = process.hrtime.bigint();
    for (let i = start; i < start + BATCH; i++) sink += decideShare(policy, requests[i]!).reasons.length;
    perDecision.push(Number(process.hrtime.bigint() - t0) / BATCH);
  }
}
const engineNs = median(perDecision);
const outcomes = { send: 0, withhold: 0, transform: 0 };
for (const r of requests) outcomes[decideShare(policy, r).outcome]++;

// Cedar: the same decisions on a sample of the same requests.
const policyText = cedarPolicies(snapshot);
const parsed = preparsePolicySet("proviso", { staticPolicies: policyText });
if (parsed.type !== "success") throw new Error(`Cedar policy set did not parse: ${JSON.stringify(parsed.errors[0])}`);
const entities = cedarEntities(snapshot);
const SAMPLE = Number(process.env.BENCH_CEDAR_SAMPLE ?? 20_000);
const cedarCall = (i: number) => {
  const r = requests[i]!;
  return statefulIsAuthorized({
    principal: { type: "Proviso::Partner", id: r.partnerId },
    action: { type: "Proviso::Action", id: r.mode },
    resource: { type: "Proviso::Device", id: "d" },
    context: {
      category: r.category,
      purpose: r.purpose,
      at: r.at,
      ...(r.lastSentAt != null ? { lastSentAgo: r.at - r.lastSentAt } : {}),
    },
    entities: entities.forRequest(r),
    preparsedPolicySetId: "proviso",
  });
};
for (let i = 0; i < 1_000; i++) cedarCall(i);
const cedarNs: number[] = [];
let agree = 0;
for (let i = 0; i < SAMPLE; i++) {
  t0 = process.hrtime.bigint();
  const answer = cedarCall(i);
  cedarNs.push(Number(process.hrtime.bigint() - t0));
  if (answer.type !== "success") throw new Error(`Cedar failed: ${JSON.stringify(answer.errors[0])}`);
  const engineAllows = decideShare(policy, requests[i]!).outcome !== "withhold";
  if ((answer.response.decision === "allow") === engineAllows) agree++;
}
const cedarMedian = median(cedarNs);

console.log("");
console.log(`engine   median ${engineNs.toFixed(0)} ns/decision  (p99 batch ${pct(perDecision, 0.99).toFixed(0)} ns)  →  ${fmt(1e9 / engineNs)} decisions/s`);
console.log(`         outcomes over 1,000,000 requests: ${fmt(outcomes.send)} send, ${fmt(outcomes.transform)} transform, ${fmt(outcomes.withhold)} withhold`);
console.log(
  `cedar    median ${fmt(cedarMedian)} ns/decision  (p99 ${fmt(pct(cedarNs, 0.99))} ns)  →  ${fmt(1e9 / cedarMedian)} decisions/s  [${fmt(SAMPLE)} decisions]`,
);
console.log(`ratio    the engine is ${(cedarMedian / engineNs).toFixed(0)}× faster than Cedar on the same decisions`);
console.log(`agree    engine and Cedar agree on allow/deny for ${((agree / SAMPLE) * 100).toFixed(2)}% of the sample`);
console.log(`targets  median ≤ 300 ns: ${engineNs <= 300 ? "met" : "MISSED"}; ≥ 50× Cedar: ${cedarMedian / engineNs >= 50 ? "met" : "MISSED"}`);
if (sink === -1) console.log(sink);
