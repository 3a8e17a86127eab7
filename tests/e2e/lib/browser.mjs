// The browser: Debian's chromium, driven headless by playwright-core. It opens an authorize URL a
// client produced, fills FusionAuth's hosted login form, accepts the consent screen when there is
// one, and follows the redirect to the client's loopback callback (where the client itself is
// listening). Screenshots of every page it saw are written to tests/e2e/artifacts/ on failure.
// Forms are found as FusionAuth's stock theme renders them (no ids): the login form is the one
// with a password field, the consent form the one posting to /oauth2/consent.
//
// As a module: `await logIn(url, {label})` → the callback URL the browser was sent to.
// As a program: `node lib/browser.mjs <authorize-url> [label]` prints that URL on stdout.

import { chromium } from "playwright-core";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = process.env.E2E_ARTIFACTS ?? join(here, "..", "artifacts");
// E2E_LOGIN_PASSWORD exists to see the failure path (screenshots) on purpose.
export const LOGIN = { email: "test@example.com", password: process.env.E2E_LOGIN_PASSWORD ?? "password" };

const LOGIN_FORM = 'form:has(input[type="password"])';
const CONSENT_FORM = 'form[action$="/oauth2/consent"]';

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

async function launch() {
  const profile = mkdtempSync(join(tmpdir(), "mcp-fa-e2e-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: FLAGS,
    timeout: 30_000,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens `authorizeUrl` and drives the pages. `expect: "callback"` (default) waits for the
 * redirect to the request's redirect_uri; `expect: "error"` expects FusionAuth to stop on an error
 * page instead and returns that page's text. */
export async function logIn(authorizeUrl, { label = "browser", expect = "callback", timeoutMs = 30_000 } = {}) {
  const redirectUri = new URL(authorizeUrl).searchParams.get("redirect_uri") ?? "";
  const browser = await launch();
  const shots = [];
  const page = await browser.context.newPage();
  page.setDefaultTimeout(timeoutMs);
  const snap = async (name) => {
    try {
      shots.push([name, await page.screenshot({ fullPage: true })]);
    } catch {}
  };
  let callback = null;
  page.on("request", (req) => {
    if (req.isNavigationRequest() && redirectUri && req.url().startsWith(redirectUri)) callback = req.url();
  });
  try {
    const response = await page.goto(authorizeUrl, { waitUntil: "load" });
    if (expect === "error") {
      await snap("authorize");
      if (callback) throw new Error(`FusionAuth redirected to the callback: ${callback}`);
      if (await page.locator(LOGIN_FORM).count()) throw new Error("FusionAuth showed the login form");
      return { status: response?.status(), text: await page.locator("body").innerText() };
    }
    await page.waitForSelector(LOGIN_FORM);
    await page.fill(`${LOGIN_FORM} [name="loginId"]`, LOGIN.email);
    await page.fill(`${LOGIN_FORM} [name="password"]`, LOGIN.password);
    await snap("login");
    console.error(`browser[${label}]: filled the login form at ${new URL(page.url()).origin}`);
    const submit = page.locator(`${LOGIN_FORM} button:not([type="button"])`).first();
    await Promise.all([page.waitForNavigation({ waitUntil: "load" }), submit.click()]);
    if (!callback && (await page.locator(LOGIN_FORM).count())) {
      await snap("login-again");
      throw new Error(`the login form came back: ${(await page.locator("body").innerText()).replace(/\s+/g, " ").slice(0, 300)}`);
    }
    if (!callback && (await page.locator(CONSENT_FORM).count())) {
      // Grant what the client asked for: optional scopes are checkboxes.
      for (const box of await page.locator(`${CONSENT_FORM} input[type="checkbox"][name^="scopeConsents"]`).all()) {
        await box.check({ force: true });
      }
      await snap("consent");
      const allow = page.locator(`${CONSENT_FORM} button[name="action"][value="allow"]`);
      await Promise.all([page.waitForNavigation({ waitUntil: "load" }), allow.click()]);
      console.error(`browser[${label}]: accepted the consent screen`);
    }
    const deadline = Date.now() + timeoutMs;
    while (!callback && Date.now() < deadline) await page.waitForTimeout(50);
    if (!callback) {
      await snap("stuck");
      throw new Error(`the browser never reached ${redirectUri}; it is on ${page.url()}`);
    }
    await snap("callback");
    console.error(`browser[${label}]: redirected to ${redirectUri}`);
    return callback;
  } catch (error) {
    mkdirSync(ARTIFACTS, { recursive: true });
    await snap("failure");
    for (const [name, png] of shots) writeFileSync(join(ARTIFACTS, `${label}-${name}.png`), png);
    writeFileSync(join(ARTIFACTS, `${label}-failure.txt`), `${authorizeUrl}\n${error?.stack ?? error}\n`);
    throw error;
  } finally {
    await browser.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [url, label] = process.argv.slice(2);
  logIn(url, { label }).then(
    (callback) => console.log(callback),
    (error) => {
      console.error(`browser: ${error?.message ?? error}`);
      process.exit(1);
    },
  );
}
