// Negative end-to-end cases, each through the real browser and the real server:
//   wrong-port      a client registered for another callback port is refused at the authorize
//                   step: FusionAuth shows an error page and never redirects (ExactMatch).
//   other-resource  a token issued to a client registered for another MCP server (another
//                   resource) is refused by this server with 401 invalid_token.
import { createHash, randomBytes } from "node:crypto";
import { logIn } from "../lib/browser.mjs";
import { args, check, env, jwtClaims, main } from "../lib/common.mjs";
import { browserToken } from "./token.mjs";

const opts = args();
const [which] = opts._;
const issuer = env("E2E_ISSUER");
const server = env("E2E_SERVER_URL");

async function authorizeUrl(redirectUri, resource) {
  const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  const url = new URL(discovery.authorization_endpoint);
  const challenge = createHash("sha256").update(randomBytes(32).toString("base64url")).digest("base64url");
  for (const [k, v] of Object.entries({
    response_type: "code", client_id: opts["client-id"], redirect_uri: redirectUri, scope: "openid profile",
    state: "s", code_challenge: challenge, code_challenge_method: "S256", resource,
  })) url.searchParams.set(k, v);
  return url.toString();
}

async function initialize(token) {
  return fetch(server, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    },
    body: JSON.stringify({
      jsonrpc: "2.0", id: 1, method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "negative", version: "1" } },
    }),
  });
}

main(async () => {
  if (which === "wrong-port") {
    const redirect = `http://localhost:${opts["callback-port"]}/oauth/callback`;
    const page = await logIn(await authorizeUrl(redirect, server), { label: "negative-wrong-port", expect: "error" });
    console.log(`FusionAuth answered ${page.status}: ${page.text.replace(/\s+/g, " ").slice(0, 200)}`);
    // The stand-in answers 400; whatever the status, it is FusionAuth's OAuth error page, naming
    // the redirect URI, with no login form and no redirect to it (logIn checked both).
    check(
      page.status >= 400 || /redirect_uri/i.test(page.text),
      `an error page (${page.status}), not the login form and no redirect to ${redirect}`,
    );
  } else if (which === "other-resource") {
    const other = opts.resource;
    const tokens = await browserToken({
      issuer, clientId: opts["client-id"], redirectUri: `http://localhost:${opts["callback-port"]}/callback`,
      resource: other, label: "negative-other-resource",
    });
    const aud = jwtClaims(tokens.access_token).aud;
    check([].concat(aud).includes(other) && ![].concat(aud).includes(server), `the token is for the other server: aud ${JSON.stringify(aud)}`);
    const response = await initialize(tokens.access_token);
    const challenge = response.headers.get("www-authenticate") ?? "";
    console.log(`server answered ${response.status}: WWW-Authenticate: ${challenge}`);
    check(response.status === 401 && challenge.includes('error="invalid_token"'), "this server refuses it: 401 invalid_token");
  } else {
    throw new Error(`unknown case ${which}`);
  }
});
