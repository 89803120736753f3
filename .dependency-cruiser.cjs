// The dependency rule (checked by `npm run lint:deps`, part of `npm test`): which workspace may
// import which, as ARCHITECTURE.md's package table says, and no import circles anywhere. Tests and
// test support (`*.test.ts`, `testing/`, `__tests__/`) may also use the seed and the sandbox.
/** What each workspace's source may import from the others (the table in ARCHITECTURE.md). */
const ALLOWED = {
  "packages/domain": [],
  "packages/embedded": [],
  "packages/config": [],
  "packages/broker": [],
  "packages/policy": ["domain"],
  "packages/partners": ["domain"],
  "packages/sandbox": ["partners", "domain"],
  "packages/db": ["domain", "embedded"],
  "packages/audit": ["db", "domain"],
  "packages/auth": ["db", "domain"],
  "packages/snapshot": ["db", "domain", "policy"],
  "packages/seed": ["auth", "audit", "db", "domain"],
  "packages/core": ["audit", "db", "domain", "policy", "snapshot"],
  "packages/api": ["audit", "auth", "core", "db", "domain"],
  "packages/worker": ["audit", "broker", "config", "core", "db", "domain", "partners", "policy", "snapshot"],
  "apps/web": ["api", "audit", "auth", "config", "core", "db", "domain"],
  "apps/worker": ["audit", "config", "core", "partners", "worker"],
  "apps/partner-sandbox": ["config", "partners", "sandbox"],
  "apps/simulator": ["config", "db", "domain", "embedded"],
};
/** Test support may also build a world to test against. */
const TEST_ONLY = ["seed", "sandbox", "embedded"];
const TESTS = "(\\.test\\.tsx?$|/testing/|/__tests__/|/testing\\.ts$|^packages/[^/]+/bench/)";

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** Any other workspace than `from` itself and the packages allowed. */
const others = (from, allowed) => `^(?!${[`${from}/`, ...allowed.map((name) => `packages/${name}/`)].map(escape).join("|")})(packages|apps)/[^/]+/`;

const boundaries = Object.entries(ALLOWED).flatMap(([from, allowed]) => [
  {
    name: `${from.replace("/", ":")} imports only what the package table allows`,
    severity: "error",
    from: { path: `^${escape(from)}/`, pathNot: TESTS },
    to: { path: others(from, allowed) },
  },
  {
    name: `${from.replace("/", ":")} tests import only what the package table and test support allow`,
    severity: "error",
    from: { path: `^${escape(from)}/.*${TESTS}` },
    to: { path: others(from, [...allowed, ...TEST_ONLY]) },
  },
]);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", comment: "An import circle: break it (move the shared part down).", from: {}, to: { circular: true } },
    ...boundaries,
    {
      name: "no-unknown-workspace",
      severity: "error",
      comment: "A workspace missing from the table above: add it, and to ARCHITECTURE.md.",
      from: { path: "^(packages|apps)/", pathNot: `^(${Object.keys(ALLOWED).map(escape).join("|")})/` },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(node_modules|/dist/|/\\.next/|/drizzle/|\\.d\\.ts$)" },
    tsPreCompilationDeps: true,
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".js", ".mjs"],
    },
  },
};
