// The TypeScript SDK (@modelcontextprotocol/sdk) given nothing but the MCP server's URL, with the
// OAuth client provider its package ships (InMemoryOAuthClientProvider, from its examples) and the
// client metadata that example registers (client_secret_post included): the SDK discovers the
// authorization server from the 401, registers itself at the registration endpoint (RFC 7591),
// logs in at FusionAuth in Chromium and calls get_name.
//   register          the whole path, timed: registration, login, first call
//   refused-redirect  a redirect URI the bridge refuses: the SDK reports the server's reason and
//                     no browser is opened
//   other-resource    a token this client got for the bridge's server is refused by another MCP
//                     server that trusts the same issuer (401 invalid_token)
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { InMemoryOAuthClientProvider } from "@modelcontextprotocol/sdk/examples/client/simpleOAuthClientProvider.js";
import { logIn } from "../lib/browser.mjs";
import { firstContact, initializeWith, listAndGetName } from "../lib/sdk.mjs";
import { args, callbackServer, check, env, jwtClaims, main } from "../lib/common.mjs";

const opts = args();
const [which] = opts._;
const serverUrl = new URL(env("E2E_SERVER_URL"));
const issuer = env("E2E_ISSUER");
const fusionauth = env("E2E_FUSIONAUTH");

const seen = { registrations: [], authorizeUrls: [], registeredAt: null };

async function watchingFetch(input, init) {
  const url = String(input instanceof Request ? input.url : input);
  const response = await fetch(input, init);
  if (url === `${issuer}/register`) {
    seen.registeredAt = Date.now();
    seen.registrations.push({ status: response.status, body: await response.clone().json() });
  }
  return response;
}

/** A client as the SDK's example builds one, listening on `redirectUrl`. */
function exampleClient(redirectUrl, onRedirect) {
  const metadata = {
    client_name: "Simple OAuth MCP Client",
    redirect_uris: [redirectUrl],
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_post",
  };
  return new InMemoryOAuthClientProvider(redirectUrl, metadata, onRedirect);
}

/** First contact through the login: the provider, the callback's query and the transport. */
async function registerAndLogIn(label) {
  const port = Number(opts["callback-port"]);
  const redirectUrl = `http://localhost:${port}/callback`;
  let callback;
  const provider = exampleClient(redirectUrl, async (url) => {
    seen.authorizeUrls.push(url.toString());
    callback = callbackServer(port);
    await callback.listening;
    await logIn(url.toString(), { label });
  });
  const transport = new StreamableHTTPClientTransport(serverUrl, { authProvider: provider, fetch: watchingFetch });
  await firstContact(new Client({ name: "mcp-fa-e2e-dcr", version: "1.0.0" }), transport);
  check(!!callback, "the SDK sent the browser to log in");
  const query = await callback.result;
  callback.close();
  await transport.finishAuth(query.get("code"));
  return { provider, query };
}

async function callGetName(provider) {
  const client = new Client({ name: "mcp-fa-e2e-dcr", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(serverUrl, { authProvider: provider, fetch: watchingFetch }));
  await listAndGetName(client);
  await client.close();
}

main(async () => {
  if (which === "register") {
    const started = Date.now();
    const { provider, query } = await registerAndLogIn("dcr-ts-sdk");
    check(seen.registrations.length === 1, `it registered itself once at ${issuer}/register`);
    const { status, body } = seen.registrations[0];
    check(status === 201 && typeof body.client_id === "string", `201 with client id ${body.client_id}`);
    check(body.client_secret === undefined && body.token_endpoint_auth_method === "none",
      `asked for client_secret_post, registered as a public client (${body.token_endpoint_auth_method}, no secret)`);
    const authorize = new URL(seen.authorizeUrls[0]);
    check(authorize.origin === fusionauth && authorize.pathname === "/oauth2/authorize",
      `the login is FusionAuth's: ${authorize.origin}${authorize.pathname}`);
    check(authorize.searchParams.get("client_id") === body.client_id, "with the registered client id");
    check(authorize.searchParams.get("resource") === serverUrl.href, `resource=${authorize.searchParams.get("resource")}`);
    check(query.get("iss") === issuer, `FusionAuth's redirect names the issuer the metadata names (iss=${query.get("iss")})`);
    const claims = jwtClaims(provider.tokens().access_token);
    check(claims.iss === issuer && [].concat(claims.aud).includes(serverUrl.href),
      `the token: iss ${claims.iss}, aud ${JSON.stringify(claims.aud)}`);
    await callGetName(provider);
    const total = Date.now() - started;
    console.log(`timing: registration ${seen.registeredAt - started} ms after the first request; ` +
      `registration + login + first get_name ${total} ms`);
  } else if (which === "refused-redirect") {
    const provider = exampleClient("http://evil.example/callback", () => {
      throw new Error("a browser was opened for a client the bridge refused");
    });
    const client = new Client({ name: "mcp-fa-e2e-dcr", version: "1.0.0" });
    let refusal;
    try {
      await client.connect(new StreamableHTTPClientTransport(serverUrl, { authProvider: provider, fetch: watchingFetch }));
    } catch (error) {
      refusal = error;
    }
    console.log(`the SDK reports: ${refusal?.constructor?.name}: ${refusal?.message}`);
    check(seen.registrations.length === 1 && seen.registrations[0].status === 400, "the registration was answered 400");
    check(seen.registrations[0].body.error === "invalid_redirect_uri", `error ${seen.registrations[0].body.error}`);
    check(/plain http to another machine/.test(String(refusal?.message)), "the client is told why");
  } else if (which === "other-resource") {
    const { provider } = await registerAndLogIn("dcr-other-resource");
    const token = provider.tokens().access_token;
    const other = env("E2E_OTHER_SERVER_URL");
    const response = await initializeWith(other, token);
    const challenge = response.headers.get("www-authenticate") ?? "";
    console.log(`${other} answered ${response.status}: WWW-Authenticate: ${challenge}`);
    check(response.status === 401 && challenge.includes('error="invalid_token"'), "another MCP server refuses it: 401 invalid_token");
  } else {
    throw new Error(`unknown case ${which}`);
  }
});
