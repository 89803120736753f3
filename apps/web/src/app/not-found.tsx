import Link from "next/link";

export default function NotFound() {
  return (
    <section className="mx-auto max-w-lg rounded-lg border border-slate-200 bg-white p-6">
      <p className="text-sm font-medium text-slate-600">Error 404</p>
      <h1 className="mt-1 text-2xl font-semibold">Page not found</h1>
      <Link href="/" className="mt-4 inline-block text-brand-700 underline">
        Back to Proviso
      </Link>
    </section>
  );
}
