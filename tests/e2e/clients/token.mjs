// Gets an access token the way a public client does (authorization code + PKCE + resource, the
// login in Chromium, a loopback callback), for clients that take a bearer token as given.
import { createHash, randomBytes } from "node:crypto";
import { logIn } from "../lib/browser.mjs";
import { callbackServer } from "../lib/common.mjs";

export async function browserToken({ issuer, clientId, redirectUri, resource, scope = "openid profile", label }) {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const state = randomBytes(8).toString("hex");
  const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  const authorize = new URL(discovery.authorization_endpoint);
  for (const [k, v] of Object.entries({
    response_type: "code", client_id: clientId, redirect_uri: redirectUri, scope, state,
    code_challenge: challenge, code_challenge_method: "S256", resource,
  })) authorize.searchParams.set(k, v);
  const redirect = new URL(redirectUri);
  const callback = callbackServer(Number(redirect.port), redirect.pathname);
  await callback.listening;
  try {
    await logIn(authorize.toString(), { label });
    const query = await callback.result;
    if (query.get("state") !== state) throw new Error("state mismatch");
    const response = await fetch(discovery.token_endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code", code: query.get("code"), client_id: clientId,
        redirect_uri: redirectUri, code_verifier: verifier, resource,
      }),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(`token request: ${response.status} ${JSON.stringify(body)}`);
    return body;
  } finally {
    callback.close();
  }
}
