// mcp-remote, started exactly as `mcp-fa clients config claude-desktop` prints it (command and
// args of the "mcpServers" entry), or with `--url` given nothing but the server's URL and a
// callback port (it then registers itself), driven over stdio as Claude Desktop drives it:
// initialize, tools/list, tools/call get_name. Its browser step (it opens the system browser through
// xdg-open, which honours $BROWSER) is answered by the headless Chromium driver.
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { args, check, env, main } from "../lib/common.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const e2e = join(here, "..");
const opts = args();

/** The JSON block `mcp-fa clients config` prints (indented under its instructions). */
function desktopEntry(text) {
  const json = text
    .split("\n")
    .filter((line) => line.startsWith("    "))
    .map((line) => line.slice(4))
    .join("\n");
  const servers = JSON.parse(json).mcpServers;
  const [name, entry] = Object.entries(servers)[0];
  return { name, entry };
}

/** mcp-remote with nothing but the server's URL and a callback port: it registers itself. */
function bareEntry(url, port) {
  return { name: "mcp-fa", entry: { command: "npx", args: ["-y", "mcp-remote@0.15.1", url, port, "--allow-http"] } };
}

main(async () => {
  const registers = opts.url !== undefined;
  const { name, entry } = registers
    ? bareEntry(opts.url, opts["callback-port"])
    : desktopEntry(readFileSync(opts.config, "utf8"));
  console.log(`claude_desktop_config.json entry "${name}": ${JSON.stringify(entry)}`);
  check(entry.command === "npx" && entry.args.includes("mcp-remote@0.15.1"), "the entry runs the pinned mcp-remote through npx");
  check(entry.args.includes(env("E2E_SERVER_URL")), "it names the MCP server");
  check(registers !== entry.args.includes("--static-oauth-client-info"),
    registers ? "no client information given: it must register itself" : "the client id mcp-fa registered");
  mkdirSync(opts.home, { recursive: true });
  const transport = new StdioClientTransport({
    command: entry.command,
    args: entry.args,
    cwd: e2e, // npx finds the pinned package in tests/e2e/node_modules, fetching nothing
    env: {
      PATH: process.env.PATH,
      HOME: opts.home, // a fresh ~/.mcp-auth: no cached tokens
      BROWSER: join(e2e, "lib", "open-browser.sh"),
      E2E_BROWSER_LABEL: "mcp-remote",
      E2E_ARTIFACTS: process.env.E2E_ARTIFACTS ?? join(e2e, "artifacts"),
      E2E_WORK: process.env.E2E_WORK ?? "",
      E2E_LOGIN_PASSWORD: process.env.E2E_LOGIN_PASSWORD ?? "password",
      npm_config_offline: "true",
      npm_config_update_notifier: "false",
    },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk) => {
    stderr += chunk;
    process.stderr.write(`mcp-remote: ${chunk}`);
  });
  const client = new Client({ name: "claude-desktop-stand-in", version: "1.0.0" });
  await client.connect(transport);
  const tools = await client.listTools();
  const names = tools.tools.map((t) => t.name);
  check(names.includes("get_name"), `tools/list over stdio: ${names.join(", ")}`);
  const result = await client.callTool({ name: "get_name", arguments: {} });
  const text = JSON.stringify(result.content);
  check(!result.isError && text.includes("Test User"), `get_name → ${text}`);
  check(/authorize this client/.test(stderr), "mcp-remote ran the browser login");
  await client.close();
  if (registers) {
    // What it stored under ~/.mcp-auth: the client information the bridge answered.
    const stored = readdirSync(join(opts.home, ".mcp-auth"), { recursive: true })
      .filter((f) => String(f).endsWith("_client_info.json"))
      .map((f) => JSON.parse(readFileSync(join(opts.home, ".mcp-auth", String(f)), "utf8")));
    check(stored.length === 1 && typeof stored[0].client_id === "string" && !stored[0].client_secret,
      `it registered itself: client id ${stored[0]?.client_id}, no secret`);
  }
});
