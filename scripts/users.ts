// `npm run users -- unlock <email>`: an administrator clears an account's failed sign-ins, so it can
// be signed in to again at once from anywhere (the sign-in limits: packages/auth/src/rate-limit.ts).
import { unlockSignIn } from "@proviso/auth/rate-limit";
import { ConfigError, type RuntimeConfig } from "@proviso/config";
import { createDb, users } from "@proviso/db";
import { eq } from "drizzle-orm";
import { scriptConfig } from "./lib/runtime-config";

function fail(message: string): never {
  console.error(`users: ${message}`);
  process.exit(2);
}

const [command, email] = process.argv.slice(2);
if (command !== "unlock" || !email) fail("usage: npm run users -- unlock <email>");
let cfg: RuntimeConfig;
try {
  cfg = scriptConfig();
} catch (err) {
  fail(err instanceof ConfigError ? err.message : String(err));
}
const handle = createDb(cfg.databaseUrl, { max: 1, applicationName: "proviso-users" });
try {
  const key = email.trim().toLowerCase();
  const [user] = await handle.db.select({ id: users.id }).from(users).where(eq(users.email, key));
  if (!user) fail(`no user ${key}`);
  await unlockSignIn(handle.db, key);
  console.log(`${key} may sign in again: its failed attempts no longer count`);
} finally {
  await handle.close();
}
