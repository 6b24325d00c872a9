// Lighthouse (mobile emulation, its default simulated throttling) on the web app's home
// timeline, signed in as one of the benchmark's readers:
//   node run.mjs <base url> <token> <path> <runs>
// Prints one JSON line: every run's performance score, FCP, LCP, TBT, CLS and speed index.
// The token goes in localStorage and the hint cookie is set before Lighthouse navigates: its
// storage reset clears caches and service workers, not localStorage or cookies, so the page
// loads cold yet signed in, as for a returning user.
import lighthouse from "lighthouse";
import * as chromeLauncher from "chrome-launcher";
import puppeteer from "puppeteer-core";
import { writeFileSync } from "node:fs";

const [base, token, path = "/home", runs = "3"] = process.argv.slice(2);
const chromePath = process.env.CHROME_PATH || "/usr/bin/chromium";
const flags = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

const results = [];
for (let i = 0; i < Number(runs); i++) {
  const chrome = await chromeLauncher.launch({ chromePath, chromeFlags: flags });
  try {
    const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}`, defaultViewport: null });
    const page = await browser.newPage();
    await page.goto(`${base}/healthz`);
    await page.evaluate((t) => {
      localStorage.setItem("chirp.token", t);
      document.cookie = "chirp_app=1; path=/; SameSite=Lax";
    }, token);
    const result = await lighthouse(`${base}${path}`, { port: chrome.port, output: "json", logLevel: "error", onlyCategories: ["performance"] }, undefined, page);
    const lhr = result.lhr;
    const audit = (id) => lhr.audits[id]?.numericValue ?? null;
    if (process.env.LH_REPORT) writeFileSync(process.env.LH_REPORT, JSON.stringify(lhr));
    if (lhr.runtimeError) throw new Error(`${lhr.runtimeError.code}: ${lhr.runtimeError.message}`);
    results.push({
      score: Math.round((lhr.categories.performance.score ?? 0) * 100),
      fcp_ms: audit("first-contentful-paint"),
      lcp_ms: audit("largest-contentful-paint"),
      tbt_ms: audit("total-blocking-time"),
      cls: audit("cumulative-layout-shift"),
      speed_index_ms: audit("speed-index"),
      lcp_element: lhr.audits["largest-contentful-paint-element"]?.details?.items?.[0]?.items?.[0]?.node?.selector ?? null,
      final_url: lhr.finalDisplayedUrl,
      form_factor: lhr.configSettings.formFactor,
      throttling: lhr.configSettings.throttlingMethod,
    });
    await browser.disconnect();
  } finally {
    await chrome.kill();
  }
}
console.log(JSON.stringify({ lighthouse: "12.2.3", runs: results }));
