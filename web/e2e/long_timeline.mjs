// A timeline of thousands of tweets in the browser: the home timeline's REST pages are
// answered by the test (page.route) with synthetic tweets by the signed-in account, so the app
// runs exactly as in production but the data costs nothing to make. The page scrolls down
// until `total` tweets are loaded, then scrolls through them all again, one step per frame.
// Reported: how many cards and DOM nodes the document holds (at most, over the run) and the
// frame intervals while scrolling. Used by run.mjs (the `long_timeline` check) and bench/web.py.

const PAGE = 100;

function tweet(account, n, total) {
  const id = String(110_000_000_000_000_000n + BigInt(total - n));
  const long = n % 3 === 0 ? " A longer one, so heights differ: the list has to measure each card and keep the scrollbar honest while it scrolls past thousands of them." : "";
  return {
    id, uri: `x:${id}`, url: null, created_at: new Date(Date.now() - n * 60_000).toISOString(), edited_at: null, account,
    content: `<p>Synthetic tweet number ${n} of ${total}.${long}</p>`, spoiler_text: "", sensitive: false, visibility: "public",
    in_reply_to_id: null, in_reply_to_account_id: null, reblog: null, media_attachments: [], mentions: [], tags: [], emojis: [],
    replies_count: n % 7, reblogs_count: n % 5, favourites_count: n % 11, favourited: false, reblogged: false, bookmarked: false,
  };
}

export async function longTimeline(page, total = 3000) {
  const account = await page.evaluate(async () => {
    const r = await fetch("/api/v1/accounts/verify_credentials", { headers: { Authorization: `Bearer ${localStorage.getItem("chirp.token")}` } });
    return r.json();
  });
  await page.route(/\/api\/v1\/timelines\/home(\?|$)/, async (route) => {
    const url = new URL(route.request().url());
    const max = url.searchParams.get("max_id");
    const from = max ? total - Number(BigInt(max) - 110_000_000_000_000_000n) + 1 : 0;
    const items = [];
    for (let n = from; n < Math.min(total, from + PAGE); n++) items.push(tweet(account, n, total));
    const headers = { "content-type": "application/json" };
    if (items.length && from + PAGE < total) headers.link = `<${url.origin}/api/v1/timelines/home?limit=20&max_id=${items.at(-1).id}>; rel="next"`;
    await route.fulfill({ status: 200, headers, body: JSON.stringify(items) });
  });
  await page.goto("/home");
  await page.locator("main article.status").first().waitFor();
  return page.evaluate(async (total) => {
    const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
    const stats = { maxCards: 0, maxNodes: 0 };
    const sample = () => {
      stats.maxCards = Math.max(stats.maxCards, document.querySelectorAll("main article.status").length);
      stats.maxNodes = Math.max(stats.maxNodes, document.getElementsByTagName("*").length);
    };
    // Down until every page has loaded (the feed pages in as its end comes near).
    const started = performance.now();
    let lastMax = 0;
    let stuck = 0;
    while (stuck < 120) {
      scrollBy(0, 800);
      await frame();
      sample();
      const seen = Math.max(lastMax, [...document.querySelectorAll("main article.status")].reduce((m, a) => Math.max(m, Number(a.getAttribute("aria-posinset") ?? 0)), 0));
      stuck = seen === lastMax && innerHeight + scrollY >= document.body.scrollHeight - 2 ? stuck + 1 : 0;
      lastMax = seen;
      if (performance.now() - started > 120_000) break;
    }
    const loadedCount = lastMax;
    // Then through the whole list again, one step a frame, timing each frame.
    scrollTo(0, 0);
    await frame();
    await frame();
    const intervals = [];
    let before = performance.now();
    while (innerHeight + scrollY < document.body.scrollHeight - 2) {
      scrollBy(0, 600);
      await frame();
      const now = performance.now();
      intervals.push(now - before);
      before = now;
      sample();
    }
    intervals.sort((a, b) => a - b);
    const q = (p) => intervals[Math.min(intervals.length - 1, Math.round(p * (intervals.length - 1)))];
    return {
      tweets: total, loaded: loadedCount, frames: intervals.length,
      frame_p50_ms: q(0.5), frame_p99_ms: q(0.99), frame_max_ms: intervals.at(-1),
      max_cards_in_dom: stats.maxCards, max_dom_nodes: stats.maxNodes, scroll_height_px: document.body.scrollHeight,
    };
  }, total);
}
