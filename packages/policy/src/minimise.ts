import type { Minimisation } from "@proviso/domain";

/** Rounds to a multiple of `step` without binary noise (0.5 → 21.5, not 21.499999…). */
export function roundTo(value: number, step: number): number {
  const decimals = Math.max(0, Math.ceil(-Math.log10(step)) + 1);
  return Number((Math.round(value / step) * step).toFixed(decimals));
}

export interface Minimised {
  properties: Record<string, unknown>;
  rounded: boolean;
  dropped: boolean;
}

/** Applies a clause's minimisation. Returns the input object itself when nothing changes. */
export function applyMinimisation(properties: Readonly<Record<string, unknown>>, m: Minimisation): Minimised | null {
  const drop = m.dropProperties;
  const step = m.roundTo;
  if ((!drop || drop.length === 0) && !step) return null;
  let rounded = false;
  let dropped = false;
  const out: Record<string, unknown> = {};
  for (const key in properties) {
    if (drop && drop.includes(key)) {
      dropped = true;
      continue;
    }
    const v = properties[key];
    if (step && typeof v === "number" && Number.isFinite(v)) {
      const r = roundTo(v, step);
      if (r !== v) rounded = true;
      out[key] = r;
    } else out[key] = v;
  }
  return { properties: out, rounded, dropped };
}
