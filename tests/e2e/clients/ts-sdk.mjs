// The official TypeScript SDK client (@modelcontextprotocol/sdk) with its OAuth client provider:
// discovery from the 401 (PRM, then FusionAuth's OIDC discovery), the pre-registered client id
// from `mcp-fa clients add`, authorization code + PKCE with `resource`, the login in Chromium,
// tools/list, get_name, and a refresh once the short-lived access token has expired.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { logIn } from "../lib/browser.mjs";
import { firstContact, listAndGetName } from "../lib/sdk.mjs";
import { args, callbackServer, check, env, jwtClaims, main, sleep } from "../lib/common.mjs";

const opts = args();
const serverUrl = new URL(env("E2E_SERVER_URL"));
const issuer = env("E2E_ISSUER");
const port = Number(opts["callback-port"]);
const redirectUrl = `http://localhost:${port}/callback`;
// mcp-fa serve accepts tokens up to 30 s past `exp` (clock skew leeway).
const leewaySeconds = Number(process.env.E2E_SERVER_LEEWAY ?? 30);

const seen = { logins: 0, refreshGrants: 0, invalidToken401: 0, authorizeUrls: [] };

// A fetch that notes what the SDK does, without changing it.
async function watchingFetch(input, init) {
  const url = String(input instanceof Request ? input.url : input);
  if (url.startsWith(`${issuer}/oauth2/token`) && String(init?.body ?? "").includes("grant_type=refresh_token")) {
    seen.refreshGrants++;
  }
  const response = await fetch(input, init);
  if (response.status === 401 && url.startsWith(serverUrl.origin)) {
    if ((response.headers.get("www-authenticate") ?? "").includes('error="invalid_token"')) seen.invalidToken401++;
  }
  return response;
}

class Provider {
  constructor(clientId) {
    this.clientId = clientId;
    this.saved = {};
    this.callback = null;
  }
  get redirectUrl() {
    return redirectUrl;
  }
  get clientMetadata() {
    return {
      client_name: "mcp-fa e2e (TypeScript SDK)",
      redirect_uris: [redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation() {
    return { client_id: this.clientId };
  }
  tokens() {
    return this.saved.tokens;
  }
  saveTokens(tokens) {
    this.saved.tokens = tokens;
  }
  saveCodeVerifier(v) {
    this.saved.verifier = v;
  }
  codeVerifier() {
    return this.saved.verifier;
  }
  async redirectToAuthorization(url) {
    // The SDK asks for the scopes the server's 401 names (`openid profile`). A desktop client
    // that wants to stay logged in past the token's lifetime also asks for offline_access, which
    // is what makes FusionAuth issue a refresh token.
    const scope = new Set((url.searchParams.get("scope") ?? "").split(" ").filter(Boolean));
    scope.add("offline_access");
    url.searchParams.set("scope", [...scope].join(" "));
    seen.logins++;
    seen.authorizeUrls.push(url.toString());
    this.callback = callbackServer(port);
    await this.callback.listening;
    await logIn(url.toString(), { label: "ts-sdk" });
  }
}

main(async () => {
  const provider = new Provider(opts["client-id"]);
  const transportOptions = { authProvider: provider, fetch: watchingFetch };

  // First contact: 401 → discovery → the browser logs in → the callback carries the code.
  const first = new StreamableHTTPClientTransport(serverUrl, transportOptions);
  const client = new Client({ name: "mcp-fa-e2e-ts-sdk", version: "1.0.0" });
  await firstContact(client, first);
  const query = await provider.callback.result;
  provider.callback.close();
  const authorize = new URL(seen.authorizeUrls[0]);
  check(authorize.origin === issuer && authorize.pathname === "/oauth2/authorize", `authorize URL from FusionAuth's discovery: ${authorize.origin}${authorize.pathname}`);
  check(authorize.searchParams.get("resource") === serverUrl.href, `authorize request carries resource=${authorize.searchParams.get("resource")}`);
  check(authorize.searchParams.get("code_challenge_method") === "S256", "PKCE S256");
  check(authorize.searchParams.get("client_id") === opts["client-id"], "the client id from `mcp-fa clients add`");
  await first.finishAuth(query.get("code"));
  const firstToken = provider.tokens();
  check(!!firstToken?.access_token, "got an access token");
  check(!!firstToken?.refresh_token, "got a refresh token (offline_access)");
  const claims = jwtClaims(firstToken.access_token);
  check([].concat(claims.aud).includes(serverUrl.href), `token audience ${JSON.stringify(claims.aud)} names the server`);

  await client.connect(new StreamableHTTPClientTransport(serverUrl, transportOptions));
  await listAndGetName(client);

  // Wait until the server refuses the token (exp + leeway), then call again: the SDK must refresh.
  const waitMs = (claims.exp + leewaySeconds + 2) * 1000 - Date.now();
  console.log(`waiting ${Math.round(waitMs / 1000)} s for the access token (ttl ${claims.exp - claims.iat} s) to expire`);
  await sleep(Math.max(0, waitMs));
  const again = await client.callTool({ name: "get_name", arguments: {} });
  check(!again.isError && JSON.stringify(again.content).includes("Test User"), "get_name after expiry");
  check(seen.invalidToken401 >= 1, `the server refused the expired token (${seen.invalidToken401}× 401 invalid_token)`);
  check(seen.refreshGrants === 1, `the SDK used the refresh_token grant (${seen.refreshGrants}×)`);
  check(provider.tokens().access_token !== firstToken.access_token, "a new access token");
  check(seen.logins === 1, "no second browser login");
  await client.close();
});
