import { WORKER_NODE_FLAGS } from "@proviso/config";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const script = (pkg: string, name: string) => JSON.parse(fs.readFileSync(path.join(root, pkg, "package.json"), "utf8")).scripts[name] as string;

describe("the worker's V8 flags", () => {
  // `npm start` and the e2e replica take them from @proviso/config; a package script cannot.
  it("are the ones the worker's own start script and the pipeline bench run with", () => {
    for (const [pkg, name] of [
      ["apps/worker", "start"],
      ["packages/worker", "bench"],
    ] as const) {
      const args = script(pkg, name).split(/\s+/);
      expect(args[0], `${pkg} ${name}`).toBe("node");
      expect(args.slice(1, 1 + WORKER_NODE_FLAGS.length), `${pkg} ${name}`).toEqual([...WORKER_NODE_FLAGS]);
    }
  });
});
