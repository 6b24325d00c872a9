// Shared helpers for the browser tests: Debian's chromium through playwright-core (never a
// downloaded browser), one context per simulated person.
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
export const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"];
export const MOBILE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
export const DESKTOP = { viewport: { width: 1280, height: 900 } };

export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}

/** A page that fails the test on any console error or CSP violation. */
export async function open(browser, base, options = DESKTOP) {
  const context = await browser.newContext({ baseURL: base, ...options });
  const page = await context.newPage();
  page.problems = [];
  page.on("console", (m) => m.type() === "error" && !/Failed to load resource/.test(m.text()) && page.problems.push(m.text()));
  page.on("pageerror", (e) => page.problems.push(String(e)));
  page.setDefaultTimeout(15000);
  page.setDefaultNavigationTimeout(30000); // a loaded CI machine can take long to answer a page
  return page;
}

export async function signUp(page, username, password = "correct horse battery") {
  await page.goto("/signup");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Email").fill(`${username}@example.com`);
  await page.getByLabel("Password").fill(password);
  await page.getByLabel("I agree to the server rules and terms.").check();
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL("**/home");
  await page.getByRole("navigation", { name: "Main navigation" }).waitFor();
}

/** Signs in through the server's consent page (OAuth code + PKCE). */
export async function logIn(page, username, password = "correct horse battery") {
  await page.goto("/login");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/oauth/authorize**");
  await page.locator("#login").fill(username);
  await page.locator("#password").fill(password);
  await page.locator("button[type=submit]:not(.deny)").first().click();
  await page.waitForURL("**/home");
  await page.getByRole("navigation", { name: "Main navigation" }).waitFor();
}

export function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

/** Signs a page in with a token made over the API (the test's own users): as after a sign in. */
export async function useToken(page, token) {
  await page.goto("/healthz");
  await page.evaluate((t) => {
    localStorage.setItem("chirp.token", t);
    document.cookie = "chirp_app=1; path=/; SameSite=Lax";
  }, token);
}

let axeSource = null;
/** axe-core on the page as it is: the serious and critical violations, worded. */
export async function axeViolations(page) {
  if (!axeSource) {
    const { readFile } = await import("node:fs/promises");
    const { createRequire } = await import("node:module");
    axeSource = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  }
  // Evaluated through the DevTools protocol: the page's CSP (no inline script) stays on.
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
  });
}
