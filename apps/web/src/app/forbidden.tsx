import { ROLE_HOME, ROLE_LABEL } from "@proviso/domain";
import Link from "next/link";
import { currentUser } from "~/server/auth";

export default async function Forbidden() {
  const user = await currentUser();
  return (
    <section className="mx-auto max-w-lg rounded-lg border border-amber-300 bg-white p-6" aria-labelledby="forbidden-title">
      <p className="text-sm font-medium text-amber-800">Error 403</p>
      <h1 id="forbidden-title" className="mt-1 text-2xl font-semibold">
        You don’t have access to this page
      </h1>
      <p className="mt-3 text-slate-700">
        {user
          ? `You are signed in as ${user.name} (${ROLE_LABEL[user.role]}). This area belongs to another role.`
          : "Sign in with an account that has access to this area."}
      </p>
      <Link
        href={user ? ROLE_HOME[user.role] : "/sign-in"}
        className="mt-4 inline-block rounded bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700"
      >
        {user ? "Go to your area" : "Sign in"}
      </Link>
    </section>
  );
}
