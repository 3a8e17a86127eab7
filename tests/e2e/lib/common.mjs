// Helpers the client programs share: argument parsing, a loopback OAuth callback server (what a
// desktop client runs), and small assertions.
import { createServer } from "node:http";

export function args(argv = process.argv.slice(2)) {
  const out = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith("--")) out[argv[i].slice(2)] = argv[++i];
    else out._.push(argv[i]);
  }
  return out;
}

export function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run through tests/e2e/run.sh)`);
  return value;
}

/** Listens on localhost:<port><path> for one OAuth redirect; `code` resolves to its query. */
export function callbackServer(port, path = "/callback") {
  let resolve, reject;
  const result = new Promise((res, rej) => ((resolve = res), (reject = rej)));
  const server = createServer((req, res) => {
    const url = new URL(req.url, `http://localhost:${port}`);
    if (url.pathname !== path) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "text/html" }).end("<p>Logged in; you can close this window.</p>");
    const error = url.searchParams.get("error");
    if (error) reject(new Error(`authorization failed: ${error}: ${url.searchParams.get("error_description")}`));
    else resolve(url.searchParams);
  });
  const listening = new Promise((res) => server.listen(port, "127.0.0.1", res));
  return { listening, result, close: () => server.close() };
}

export function check(condition, message) {
  if (!condition) throw new Error(message);
  console.log(`ok - ${message}`);
}

export function jwtClaims(token) {
  return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function main(fn) {
  fn().then(
    () => process.exit(0),
    (error) => {
      console.error(`FAILED: ${error?.stack ?? error}`);
      process.exit(1);
    },
  );
}
