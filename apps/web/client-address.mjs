// The client's address for the web app (sign-in limits), worked out by the server itself: the
// connection's peer, and X-Forwarded-For hops only while they come from a trusted proxy
// (TRUSTED_PROXIES: addresses, CIDR ranges or `loopback` / `linklocal` / `uniquelocal`, comma-
// separated; none by default, so a client's own X-Forwarded-For is never believed). Put in a header
// of its own, replacing whatever a client sent in it.
import proxyaddr from "proxy-addr";

export const CLIENT_IP_HEADER = "x-proviso-client-ip";

/** A function that sets the request's client address header, trusting the proxies listed. */
export function clientAddressSetter(trustedProxies = "") {
  const list = trustedProxies
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const trust = proxyaddr.compile(list);
  return (req) => {
    req.headers[CLIENT_IP_HEADER] = proxyaddr(req, trust);
  };
}
