const HERE = "http://proviso.invalid";

/**
 * Where to go after signing in: a path on this site only. It is read as a browser reads it (the
 * WHATWG URL parser: `//host`, `/\host` and tabs or newlines inside lead elsewhere), and anything
 * that would leave the site falls back to `/`.
 */
export function safePath(value: unknown): string {
  if (typeof value !== "string" || !value.startsWith("/")) return "/";
  let url: URL;
  try {
    url = new URL(value, HERE);
  } catch {
    return "/";
  }
  return url.origin === HERE ? `${url.pathname}${url.search}${url.hash}` : "/";
}
