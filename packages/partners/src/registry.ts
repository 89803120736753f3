// Every platform Proviso speaks to, once. A new platform is a folder beside alexa/ and a line here
// (its id in packages/domain ADAPTERS, which the database enum follows).
import type { AdapterId } from "@proviso/domain";
import type { PartnerAdapter, Platform } from "./adapter";
import { alexaPlatform } from "./alexa";
import { googlePlatform } from "./google";
import { smartthingsPlatform } from "./smartthings";
import { webhookPlatform } from "./webhook";

export const PLATFORMS: { readonly [K in AdapterId]: Platform<unknown> } = {
  alexa: alexaPlatform,
  google: googlePlatform,
  smartthings: smartthingsPlatform,
  webhook: webhookPlatform,
};

export type Adapters = { readonly [K in AdapterId]: PartnerAdapter };

/** What is wrong with the platforms' settings in `env`, one line each (none: all good). */
export function platformSettingsErrors(env: Record<string, string | undefined>): string[] {
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ""));
  return Object.values(PLATFORMS).flatMap((p) => {
    const r = p.settings.safeParse(given);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  });
}

/** Every platform's adapter with its settings from `env` (unset: the sandbox at `sandboxBase` plays it). */
export function createAdapters(env: Record<string, string | undefined>, sandboxBase: string): Adapters {
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ""));
  const out = {} as Record<AdapterId, PartnerAdapter>;
  for (const [id, p] of Object.entries(PLATFORMS) as [AdapterId, Platform<unknown>][]) out[id] = p.create(p.resolve(given, sandboxBase));
  return out;
}
