// The portal's languages: English and Canadian French. A user's choice is kept in a cookie; without
// one, the browser's Accept-Language decides (Negotiator), and English when it names neither.
import Negotiator from "negotiator";

export const LOCALES = ["en", "fr-CA"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "en";
export const LOCALE_COOKIE = "proviso-locale";

export const isLocale = (value: unknown): value is Locale => typeof value === "string" && (LOCALES as readonly string[]).includes(value);

/** The language to answer in: the cookie's choice, else the best match for Accept-Language. */
export function resolveLocale(cookie: string | undefined, acceptLanguage: string | null): Locale {
  if (isLocale(cookie)) return cookie;
  // "fr", "fr-FR" and "fr-CA" all get Canadian French; "en-*" English.
  const wanted = new Negotiator({ headers: { "accept-language": acceptLanguage ?? "" } }).languages();
  for (const tag of wanted) {
    const base = tag.toLowerCase().split("-")[0];
    if (base === "fr") return "fr-CA";
    if (base === "en") return "en";
  }
  return DEFAULT_LOCALE;
}
