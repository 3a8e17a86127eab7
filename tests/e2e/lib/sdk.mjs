// What the TypeScript SDK clients share: the first contact that must end in a login, the tool
// calls once logged in, and a raw `initialize` with a bearer token (to see how a server answers a
// given token).
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { check } from "./common.mjs";

/** Connects `client` over `transport` to a protected server: the SDK must stop at the 401 and
 * send the browser to log in (UnauthorizedError), never get in without a token. */
export async function firstContact(client, transport) {
  try {
    await client.connect(transport);
  } catch (error) {
    if (error instanceof UnauthorizedError) return;
    throw error;
  }
  throw new Error("the server accepted a client without a token");
}

/** POSTs an `initialize` to `url` with `token`; the response. */
export function initializeWith(url, token) {
  return fetch(url, {
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

/** On a connected `client`: tools/list names get_name, and get_name greets the demo user. */
export async function listAndGetName(client) {
  const tools = await client.listTools();
  const names = tools.tools.map((t) => t.name);
  check(names.includes("get_name"), `tools/list: ${names.join(", ")}`);
  const result = await client.callTool({ name: "get_name", arguments: {} });
  const text = JSON.stringify(result.content);
  check(!result.isError && text.includes("Test User"), `get_name → ${text}`);
}
