// The MCP Inspector CLI (pinned), as its documentation runs it, with a bearer token in a header:
// tools/list and tools/call get_name. The token comes from the Inspector's own registration
// (`mcp-fa clients add --kind inspector`, redirect http://127.0.0.1:6276/oauth/callback) through
// the browser login.
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { args, check, env, main } from "../lib/common.mjs";
import { browserToken } from "./token.mjs";

const e2e = join(dirname(fileURLToPath(import.meta.url)), "..");
const opts = args();
const server = env("E2E_SERVER_URL");

async function inspector(token, ...extra) {
  const argv = ["-y", "@modelcontextprotocol/inspector@2.12.0", "--cli", server, "--transport", "http",
    "--header", `Authorization: Bearer ${token}`, ...extra];
  const started = Date.now();
  const { stdout } = await promisify(execFile)("npx", argv, {
    cwd: e2e,
    env: { ...process.env, HOME: join(process.env.E2E_WORK ?? e2e, "home-inspector"), npm_config_offline: "true" },
    timeout: 60_000,
  });
  console.log(`inspector ${extra.slice(0, 2).join(" ")} (${Date.now() - started} ms): ${stdout.trim().slice(0, 400)}`);
  return JSON.parse(stdout);
}

main(async () => {
  // Each call gets a fresh token: the e2e tenant's tokens live only a few seconds.
  const fresh = async () =>
    (await browserToken({
      issuer: env("E2E_ISSUER"), clientId: opts["client-id"], redirectUri: "http://127.0.0.1:6276/oauth/callback",
      resource: server, label: "inspector",
    })).access_token;
  const list = await inspector(await fresh(), "--method", "tools/list");
  check(list.tools.some((t) => t.name === "get_name"), "tools/list lists get_name");
  const call = await inspector(await fresh(), "--method", "tools/call", "--tool-name", "get_name");
  check(JSON.stringify(call.content).includes("Test User"), "tools/call get_name answers the user's name");
  // And without the header the server refuses it.
  let refused = false;
  try {
    await inspector("not-a-token", "--method", "tools/list");
  } catch (error) {
    refused = true;
    console.log(`without a valid token: ${String(error.stderr ?? error.message).trim().split("\n").slice(-2).join(" / ")}`);
  }
  check(refused, "a bad bearer token is refused");
});
