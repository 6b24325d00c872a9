// Post-to-screen latency: B's home timeline is open in chromium; A posts over REST; the time
// from sending the post to the tweet's card being in B's DOM (a MutationObserver stamps it).
//   node e2e/post_to_screen.mjs <base url> <A token> <B token> <count>
// Prints one JSON line: {"samples_ms": [...]}.
import { launch, open } from "./lib.mjs";

const [base, tokenA, tokenB, countArg] = process.argv.slice(2);
const count = Number(countArg || 100);
const browser = await launch();
try {
  const page = await open(browser, base);
  await page.goto("/login");
  await page.evaluate((t) => {
    localStorage.setItem("chirp.token", t);
    document.cookie = "chirp_app=1; path=/";
  }, tokenB);
  await page.goto("/home");
  await page.locator("html[data-stream=open]").waitFor();
  await page.evaluate(() => {
    window.__seen = {};
    new MutationObserver(() => {
      for (const el of document.querySelectorAll("article.status[aria-label*='bench-']")) {
        const m = /bench-(\d+)/.exec(el.getAttribute("aria-label"));
        if (m && !(m[1] in window.__seen)) window.__seen[m[1]] = Date.now();
      }
    }).observe(document.body, { childList: true, subtree: true });
  });
  const samples = [];
  for (let i = 0; i < count; i++) {
    const sent = Date.now();
    const response = await fetch(`${base}/api/v1/statuses`, {
      method: "POST",
      headers: { Authorization: `Bearer ${tokenA}`, "Content-Type": "application/json" },
      body: JSON.stringify({ status: `bench-${i} a tweet to time` }),
    });
    if (!response.ok) throw new Error(`post ${i}: ${response.status}`);
    await page.waitForFunction((n) => n in window.__seen, String(i), { timeout: 10000, polling: 5 });
    samples.push((await page.evaluate((n) => window.__seen[n], String(i))) - sent);
    await page.evaluate(() => scrollTo(0, 0));
  }
  console.log(JSON.stringify({ samples_ms: samples }));
} finally {
  await browser.close();
}
