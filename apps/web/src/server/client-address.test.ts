// The sign-in limits count per client address: a client must not pick its own by sending
// X-Forwarded-For; only proxies listed in TRUSTED_PROXIES are believed.
import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { CLIENT_IP_HEADER as AUTH_HEADER } from "@proviso/auth/rate-limit";
import { CLIENT_IP_HEADER, clientAddressSetter } from "../../client-address.mjs";

const request = (peer: string, headers: Record<string, string> = {}) =>
  ({ headers: { ...headers }, socket: { remoteAddress: peer }, connection: { remoteAddress: peer } }) as unknown as IncomingMessage;

describe("the client's address", () => {
  it("is the connection's peer, whatever X-Forwarded-For a client sends, when no proxy is trusted", () => {
    const req = request("203.0.113.9", { "x-forwarded-for": "198.51.100.1", [CLIENT_IP_HEADER]: "198.51.100.2" });
    clientAddressSetter("")(req);
    expect(req.headers[CLIENT_IP_HEADER]).toBe("203.0.113.9");
  });

  it("follows X-Forwarded-For through trusted proxies only", () => {
    const set = clientAddressSetter("10.0.0.0/8, loopback");
    const viaProxy = request("10.0.0.5", { "x-forwarded-for": "192.0.2.50, 10.0.0.7" });
    set(viaProxy);
    expect(viaProxy.headers[CLIENT_IP_HEADER]).toBe("192.0.2.50");
    // A client beside the proxy, forging the header: its own address counts.
    const forged = request("203.0.113.9", { "x-forwarded-for": "192.0.2.50" });
    set(forged);
    expect(forged.headers[CLIENT_IP_HEADER]).toBe("203.0.113.9");
  });

  it("is the header the sign-in limits read", () => {
    expect(AUTH_HEADER).toBe(CLIENT_IP_HEADER);
  });
});
