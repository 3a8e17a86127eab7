// The MCP Inspector CLI (pinned), as its documentation runs it, with a bearer token in a header:
// tools/list and tools/call get_name. The token comes from the Inspector's own registration
// (`mcp-fa clients add --kind inspector`, redirect http://127.0.0.1:6276/oauth/callback) through
// the browser login. With `register`, nothing is given but the server's URL: the CLI logs in
// itself, registering itself at the server's registration endpoint.
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

/** The Inspector CLI with no token and no client id: it logs in itself (registering itself at the
 * server's registration endpoint), opening the "system browser" ($BROWSER: the headless driver). */
async function inspectorLoggingIn(...extra) {
  const home = join(process.env.E2E_WORK ?? e2e, "home-inspector-dcr");
  const callback = `http://127.0.0.1:${opts["callback-port"]}/oauth/callback`;
  const argv = ["-y", "@modelcontextprotocol/inspector@2.12.0", "--cli", server, "--transport", "http",
    "--callback-url", callback, "--format", "json", ...extra];
  const started = Date.now();
  const { stdout, stderr } = await promisify(execFile)("npx", argv, {
    cwd: e2e,
    env: {
      ...process.env,
      HOME: home,
      npm_config_offline: "true",
      BROWSER: join(e2e, "lib", "open-browser.sh"),
      E2E_BROWSER_LABEL: "inspector-dcr",
      // No TTY here: let it open the browser anyway, as a person's terminal would.
      MCP_AUTO_OPEN_ENABLED: "true",
    },
    timeout: 90_000,
  });
  console.log(`inspector ${extra.slice(0, 2).join(" ")} (${Date.now() - started} ms): ${stdout.trim().slice(0, 400)}`);
  if (stderr.trim()) console.log(`  stderr: ${stderr.trim().split("\n").slice(-3).join(" / ")}`);
  // `--format json` wraps the answer: {"result": ...}.
  return { result: JSON.parse(stdout).result, stderr };
}

main(async () => {
  if (opts._[0] === "register") {
    const clientId = (stderr) => /[?&]client_id=([^&\s]+)/.exec(stderr)?.[1];
    const list = await inspectorLoggingIn("--method", "tools/list");
    check(!!clientId(list.stderr), `it registered itself and started a browser login as ${clientId(list.stderr)}`);
    check(list.result.tools.some((t) => t.name === "get_name"), "tools/list lists get_name after logging in");
    const call = await inspectorLoggingIn("--method", "tools/call", "--tool-name", "get_name");
    check(JSON.stringify(call.result.content).includes("Test User"), "tools/call get_name answers the user's name");
    // Without a keychain here it keeps no tokens between runs, but it keeps its registration.
    const again = clientId(call.stderr);
    check(again === undefined || again === clientId(list.stderr), "the second run kept its client id");
    return;
  }
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
