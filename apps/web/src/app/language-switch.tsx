// The language switch in the header: the choice is kept in a cookie for a year, and every page
// answers in it from then on.
import { getLocale, getTranslations } from "next-intl/server";
import { cookies } from "next/headers";
import { revalidatePath } from "next/cache";
import { isLocale, LOCALE_COOKIE, LOCALES } from "~/i18n/locale";

async function chooseLanguage(formData: FormData) {
  "use server";
  const locale = formData.get("locale");
  if (!isLocale(locale)) return;
  (await cookies()).set(LOCALE_COOKIE, locale, { path: "/", maxAge: 365 * 86_400, sameSite: "lax", httpOnly: true });
  revalidatePath("/", "layout");
}

export async function LanguageSwitch() {
  const t = await getTranslations("Shell");
  const current = await getLocale();
  return (
    <form action={chooseLanguage} className="flex items-center gap-1 text-sm" aria-label={t("language")}>
      {LOCALES.map((l) => (
        <button
          key={l}
          type="submit"
          name="locale"
          value={l}
          lang={l}
          aria-pressed={l === current}
          className={`rounded px-2 py-1 ${l === current ? "bg-slate-200 font-medium" : "hover:bg-slate-100"}`}
        >
          {t(`languageName.${l}`)}
        </button>
      ))}
    </form>
  );
}
