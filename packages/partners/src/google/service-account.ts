// Proviso's own credential toward Google: Home Graph calls carry an OAuth access token obtained as
// a service account (a JWT assertion signed with its private key, exchanged at Google's token
// endpoint), by google-auth-library, which caches it until shortly before it expires. The
// account's `token_uri` is honoured: the library's token endpoint is fixed to Google's, so a
// request there is sent to the account's instead (the sandbox plays Google's with its own key).
import { Gaxios } from "gaxios";
import { JWT } from "google-auth-library";

/** The fields of a service-account key file (JSON) Proviso uses. */
export interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  token_uri?: string;
}

export const HOME_GRAPH_SCOPE = "https://www.googleapis.com/auth/homegraph";
export const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";

/** A source of Home Graph access tokens for the service account. */
export function serviceAccountTokens(key: ServiceAccountKey): () => Promise<string> {
  const transporter = new Gaxios();
  const tokenUri = key.token_uri ?? GOOGLE_TOKEN_URL;
  if (tokenUri !== GOOGLE_TOKEN_URL) {
    transporter.interceptors.request.add({
      resolved: async (opts) => {
        if (String(opts.url) === GOOGLE_TOKEN_URL) opts.url = new URL(tokenUri);
        return opts;
      },
    });
  }
  const jwt = new JWT({ email: key.client_email, key: key.private_key, scopes: [HOME_GRAPH_SCOPE], transporter });
  return async () => {
    const { token } = await jwt.getAccessToken();
    if (!token) throw new Error("Google's token endpoint gave the service account no token");
    return token;
  };
}

/** A key file's contents, checked (a clear error naming what is missing). */
export function parseServiceAccount(json: string, source: string): ServiceAccountKey {
  let key: Partial<ServiceAccountKey>;
  try {
    key = JSON.parse(json) as Partial<ServiceAccountKey>;
  } catch {
    throw new Error(`${source} is not JSON`);
  }
  if (!key.client_email || !key.private_key) throw new Error(`${source} needs client_email and private_key (a service-account key file)`);
  return { client_email: key.client_email, private_key: key.private_key, token_uri: key.token_uri };
}
