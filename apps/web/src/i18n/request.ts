// next-intl without locale prefixes in URLs: each request's language from the cookie or the
// browser (locale.ts), its messages from messages/<locale>.json.
import { getRequestConfig } from "next-intl/server";
import { cookies, headers } from "next/headers";
import { LOCALE_COOKIE, resolveLocale } from "./locale";

export default getRequestConfig(async () => {
  const locale = resolveLocale((await cookies()).get(LOCALE_COOKIE)?.value, (await headers()).get("accept-language"));
  return { locale, messages: (await import(`../../messages/${locale}.json`)).default, timeZone: "America/Toronto" };
});
