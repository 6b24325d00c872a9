// Browser end-to-end scenarios for the web app against a running `chirp serve`:
//   node e2e/run.mjs <base url> <scenario> [screenshot dir]
// Run by tests/e2e/test_webapp_chromium.py, which starts the server. Exits non-zero on failure.
import { DESKTOP, MOBILE, axeViolations, check, launch, logIn, open, signUp, useToken } from "./lib.mjs";
import { longTimeline } from "./long_timeline.mjs";

const [base, scenario, shots] = process.argv.slice(2);
const IMAGE = process.env.CHIRP_E2E_IMAGE;
const stamp = Date.now().toString(36).slice(-5);
const name = (who) => `${who}${stamp}`;

async function post(page, text, { image = null } = {}) {
  await page.locator("nav .compose-button").click();
  const dialog = page.getByRole("dialog", { name: "New post" });
  await dialog.getByRole("textbox", { name: "What is happening?" }).fill(text);
  if (image) {
    await dialog.locator("input[type=file]").setInputFiles(image);
    await dialog.getByRole("textbox", { name: "Description (alt text)" }).fill("a test picture");
    await dialog.locator(".drafts progress").waitFor({ state: "detached" });
  }
  await dialog.getByRole("button", { name: "Post", exact: true }).click();
  await dialog.waitFor({ state: "detached" });
}

const card = (page, text) => page.locator("main article.status", { hasText: text }).first();

async function shot(page, file) {
  if (shots) await page.screenshot({ path: `${shots}/${file}` });
}

const scenarios = {
  /** Sign up, sign out (revoking the token), sign in again through the consent page. */
  async signup_login(browser) {
    const page = await open(browser, base, MOBILE);
    const me = name("ann");
    await signUp(page, me);
    let cookies = await page.context().cookies();
    check(cookies.some((c) => c.name === "chirp_app" && c.value === "1" && !c.httpOnly), "hint cookie set");
    const revokedToken = await page.evaluate(() => localStorage.getItem("chirp.token"));
    await page.goto("/settings");
    await page.locator("main").getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(base + "/");
    check((await page.locator("#app").count()) === 0, "signed out: / is the public page");
    const after = await fetch(`${base}/api/v1/accounts/verify_credentials`, { headers: { Authorization: `Bearer ${revokedToken}` } });
    check(after.status === 401, `the token is revoked (got ${after.status})`);
    await logIn(page, me);
    await page.goto("/");
    await page.locator("nav[aria-label='Main navigation']").waitFor();
    check((await page.locator("#app").count()) === 1, "signed in: / is the app");
    cookies = await page.context().cookies();
    check(cookies.some((c) => c.name === "chirp_app"), "hint cookie after log in");
    check(page.problems.length === 0, `console: ${page.problems}`);
  },

  /** A (desktop) posts a tag, a mention and a picture; B (phone) follows A from A's profile
   * with A's bell on, sees the tweet arrive live, likes it; A's counter and notification update
   * live; B is notified of A's post. */
  async live(browser) {
    const a = await open(browser, base, DESKTOP);
    const b = await open(browser, base, MOBILE);
    const an = name("amy");
    const bn = name("ben");
    await signUp(a, an);
    await signUp(b, bn);
    await b.goto(`/@${an}`);
    await b.getByRole("button", { name: "Follow" }).click();
    await b.getByRole("button", { name: "Unfollow" }).waitFor();
    await b.getByRole("button", { name: `Notify me when @${an} posts` }).click();
    const bell = b.getByRole("button", { name: `Stop notifying me when @${an} posts` });
    await bell.waitFor();
    check((await bell.getAttribute("aria-pressed")) === "true", "bell pressed");
    await b.reload(); // the server's word, not the page's
    await b.getByRole("button", { name: `Stop notifying me when @${an} posts` }).waitFor();
    await b.goto("/home");
    await b.getByRole("tab", { name: "Latest" }).waitFor();
    await b.waitForTimeout(500); // the socket is open (the stream subscribes on connect)
    const text = `hello @${bn} #birds ${stamp}`;
    await post(a, text, { image: IMAGE });
    const arrived = card(b, stamp);
    await arrived.waitFor({ timeout: 10000 });
    check((await arrived.locator("a", { hasText: "#birds" }).count()) === 1, "hashtag linked");
    check((await arrived.locator(`a[href*="${bn}"]`).count()) >= 1, "mention linked");
    if (IMAGE) {
      await arrived.locator(".media img[alt='a test picture']").waitFor();
      // The lightbox: the picture full size with its description; Escape closes it.
      await arrived.getByRole("button", { name: "a test picture" }).click();
      const box = b.getByRole("dialog", { name: "Picture" });
      await box.locator("img[alt='a test picture']").waitFor();
      await box.getByText("a test picture").waitFor();
      await b.keyboard.press("Escape");
      await box.waitFor({ state: "detached" });
    }
    await shot(b, "live-mobile.png");
    await a.goto("/home");
    const mine = card(a, stamp);
    await mine.waitFor();
    await arrived.getByRole("button", { name: "Like" }).click();
    await arrived.getByRole("button", { name: "Unlike" }).waitFor();
    // A's open timeline: the counter moves through `status.counts`, without reload.
    await mine.locator(".act.like .count", { hasText: "1" }).waitFor({ timeout: 10000 });
    // A's badge, then the grouped notification.
    await a.locator("nav a[href='/notifications'] .badge-dot").waitFor({ timeout: 10000 });
    await a.locator("nav a[href='/notifications']").click();
    await a.locator(".notification", { hasText: "liked your post" }).waitFor();
    await a.locator(".notification", { hasText: "followed you" }).waitFor();
    await shot(a, "notifications-desktop.png");
    await b.goto("/notifications");
    await b.locator(".notification", { hasText: "posted" }).first().waitFor({ timeout: 10000 });
    check(a.problems.length === 0 && b.problems.length === 0, `console: ${a.problems} ${b.problems}`);
  },

  /** Reply from the timeline; the thread shows both; edit and delete reach the other side live. */
  async thread_edit_delete(browser) {
    const a = await open(browser, base, DESKTOP);
    const b = await open(browser, base, DESKTOP);
    const an = name("cat");
    const bn = name("dan");
    await signUp(a, an);
    await signUp(b, bn);
    await b.goto(`/@${an}`);
    await b.getByRole("button", { name: "Follow" }).click();
    await b.getByRole("button", { name: "Unfollow" }).waitFor();
    await b.goto("/home");
    await b.waitForTimeout(500);
    await post(a, `first ${stamp}`);
    const seen = card(b, `first ${stamp}`);
    await seen.waitFor();
    await seen.getByRole("button", { name: "Reply" }).click();
    const dialog = b.getByRole("dialog", { name: "New post" });
    const box = dialog.getByRole("textbox", { name: "Post your reply" });
    check((await box.inputValue()).startsWith(`@${an} `), "reply mentions the author");
    await box.pressSequentially(`answer ${stamp}`);
    await dialog.getByRole("button", { name: "Reply", exact: true }).click();
    await dialog.waitFor({ state: "detached" });
    await seen.locator("a.time").click();
    await b.waitForURL(`**/@${an}/*`);
    await b.locator(".thread article.status.focused", { hasText: `first ${stamp}` }).waitFor();
    await b.locator(".thread article.status", { hasText: `answer ${stamp}` }).waitFor();
    await b.goto("/home");
    await card(b, `first ${stamp}`).waitFor();
    // A edits: B's card changes in place.
    await a.goto("/home");
    const mine = card(a, `first ${stamp}`);
    await mine.getByRole("button", { name: "More actions" }).click();
    await mine.getByRole("menuitem", { name: "Edit" }).click();
    const edit = a.getByRole("dialog");
    await edit.getByRole("textbox").first().fill(`first edited ${stamp}`);
    await edit.getByRole("button", { name: "Save" }).click();
    await card(b, `first edited ${stamp}`).waitFor({ timeout: 10000 });
    await card(b, `first edited ${stamp}`).getByRole("button", { name: "edited" }).click();
    await b.getByRole("dialog", { name: "Edit history" }).locator("article", { hasText: `first ${stamp}` }).waitFor();
    await b.keyboard.press("Escape");
    await b.getByRole("dialog", { name: "Edit history" }).getByRole("button", { name: "Close" }).click();
    // A deletes: it leaves B's timeline.
    a.once("dialog", (d) => d.accept());
    const edited = card(a, `first edited ${stamp}`);
    await edited.getByRole("button", { name: "More actions" }).click();
    await edited.getByRole("menuitem", { name: "Delete" }).click();
    await card(b, `first edited ${stamp}`).waitFor({ state: "detached", timeout: 10000 });
    check(a.problems.length === 0 && b.problems.length === 0, `console: ${a.problems} ${b.problems}`);
  },

  /** Search finds people, hashtags and posts; a hashtag page follows the tag. */
  async search(browser) {
    const page = await open(browser, base, MOBILE);
    const me = name("eve");
    await signUp(page, me);
    await post(page, `searchable words #find${stamp}`);
    await page.goto(`/search?q=${me}`);
    await page.locator(".account-row", { hasText: `@${me}` }).waitFor();
    await page.goto(`/search?q=%23find${stamp}`);
    await page.locator(".tags a", { hasText: `#find${stamp}` }).click();
    await page.waitForURL(`**/tags/find${stamp}`);
    await card(page, "searchable words").waitFor();
    // The hashtag page's own stream: a tweet with the tag, posted elsewhere, arrives live.
    await page.waitForTimeout(500);
    const token = await page.evaluate(() => localStorage.getItem("chirp.token"));
    const made = await fetch(`${base}/api/v1/statuses`, { method: "POST", headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" }, body: JSON.stringify({ status: `streamed in #find${stamp}` }) });
    check(made.ok, `posted over the API (${made.status})`);
    await card(page, "streamed in").waitFor({ timeout: 10000 });
    await shot(page, "search-mobile.png");
    // Keyboard: j focuses a tweet, l likes it, ? lists the shortcuts, n composes.
    await page.locator("main h1").click();
    await page.keyboard.press("j");
    check(await page.evaluate(() => document.activeElement?.matches("article.status")), "j focuses a tweet");
    await page.keyboard.press("l");
    await page.locator("main article.status").first().getByRole("button", { name: "Unlike" }).waitFor();
    await page.keyboard.press("?");
    await page.getByRole("dialog", { name: "Keyboard shortcuts" }).waitFor();
    await page.keyboard.press("Escape");
    await page.getByRole("dialog", { name: "Keyboard shortcuts" }).waitFor({ state: "detached" });
    await page.keyboard.press("n");
    await page.getByRole("dialog", { name: "New post" }).waitFor();
    check(page.problems.length === 0, `console: ${page.problems}`);
  },

  /** Driven by the test over stdin/stdout: B watches home while the server restarts, then a
   * tweet by A (CHIRP_E2E_AUTHOR) posted over REST must reach B's open timeline. */
  async reconnect(browser) {
    const { createInterface } = await import("node:readline");
    const input = createInterface({ input: process.stdin });
    const lines = input[Symbol.asyncIterator]();
    const b = await open(browser, base, MOBILE);
    await signUp(b, name("fay"));
    await b.goto(`/@${process.env.CHIRP_E2E_AUTHOR}`);
    await b.getByRole("button", { name: "Follow" }).click();
    await b.getByRole("button", { name: "Unfollow" }).waitFor();
    await b.goto("/home");
    await b.locator("html[data-stream=open]").waitFor();
    console.log("READY");
    const posted = (await lines.next()).value; // the server went down and came back; A posted
    input.close();
    await card(b, posted.trim()).waitFor({ timeout: 45000 });
    await b.locator("html[data-stream=open]").waitFor();
    check(b.problems.filter((p) => !/WebSocket/.test(p)).length === 0, `console: ${b.problems}`);
  },

  /** Thousands of tweets: the virtual list keeps the DOM small while every one is reachable. */
  async long_timeline(browser) {
    const page = await open(browser, base, MOBILE);
    await signUp(page, name("lou"));
    const total = Number(process.env.CHIRP_E2E_TWEETS || 3000);
    const r = await longTimeline(page, total);
    console.log(JSON.stringify(r));
    check(r.loaded === total, `every tweet reachable by scrolling (${r.loaded} of ${total})`);
    check(r.max_cards_in_dom <= 60, `at most 60 cards in the DOM (had ${r.max_cards_in_dom})`);
    check(r.max_dom_nodes <= 3000, `a bounded DOM (had ${r.max_dom_nodes} nodes)`);
    check(r.scroll_height_px > total * 50, `the spacers keep the page as tall as its tweets (${r.scroll_height_px}px)`);
    check(page.problems.length === 0, `console: ${page.problems}`);
  },

  /** Live video inside the app (the test publishes a followers-only stream over RTMP): the fan
   * finds it under "Live now", watches it in the app (the video plays) and chats; the streamer,
   * on the same screen, sees the line arrive live and answers; axe on the watch screen. */
  async watch(browser) {
    const { CHIRP_E2E_FAN_TOKEN: fanToken, CHIRP_E2E_STREAMER_TOKEN: streamerToken, CHIRP_E2E_STREAM_ID: id } = process.env;
    const fan = await open(browser, base, MOBILE);
    const streamer = await open(browser, base, DESKTOP);
    await useToken(fan, fanToken);
    await useToken(streamer, streamerToken);
    await fan.goto("/live-now");
    await fan.locator(".live-list li", { hasText: "tone" }).getByRole("link", { name: "Watch" }).click();
    await fan.waitForURL(`**/live/${id}`);
    check(await fan.getByRole("navigation", { name: "Main navigation" }).isVisible(), "the watch screen is inside the app");
    await fan.waitForFunction(() => (document.querySelector(".watch video")?.getVideoPlaybackQuality().totalVideoFrames ?? 0) > 0, null, { timeout: 40000 });
    await streamer.goto(`/live/${id}`);
    await streamer.locator(".watch-head").getByRole("link", { name: "Go live" }).waitFor();
    await fan.getByRole("textbox", { name: "Say something" }).fill(`hello from the app ${stamp}`);
    await fan.getByRole("button", { name: "Send" }).click();
    await streamer.locator(".chat li", { hasText: `hello from the app ${stamp}` }).waitFor({ timeout: 10000 });
    await streamer.getByRole("textbox", { name: "Say something" }).fill(`welcome ${stamp}`);
    await streamer.getByRole("textbox", { name: "Say something" }).press("Enter");
    await fan.locator(".chat li", { hasText: `welcome ${stamp}` }).locator(".streamer").waitFor({ timeout: 10000 });
    await fan.locator(".watch-head", { hasText: "watching" }).waitFor({ timeout: 25000 }); // heartbeats
    await shot(fan, "watch-mobile.png");
    const violations = [...(await axeViolations(fan)).map((v) => `phone ${v}`), ...(await axeViolations(streamer)).map((v) => `desktop ${v}`)];
    check(violations.length === 0, `axe violations:\n${violations.join("\n")}`);
    const problems = [...fan.problems, ...streamer.problems].filter((p) => !/Failed to load|hls/i.test(p));
    check(problems.length === 0, `console: ${problems}`);
  },

  /** Polls, mute, block and report; an optimistic like rolled back with a message; a 429 and
   * an offline state worded for people; relative times that move on. */
  async quality(browser) {
    const a = await open(browser, base, DESKTOP);
    const b = await open(browser, base, MOBILE);
    const an = name("ivy");
    await signUp(a, an);
    await signUp(b, name("jon"));
    await b.goto(`/@${an}`);
    await b.getByRole("button", { name: "Follow" }).click();
    await b.getByRole("button", { name: "Unfollow" }).waitFor();
    // B's page has read its home timeline, but its socket is held back while A posts a poll:
    // the poll reaches B's feed after the page's read and is pushed before the socket
    // subscribes. The socket opens with no position to replay from, so the page reads its
    // newest tweets again (without that, the poll would be missing until a reload).
    let release;
    const held = new Promise((resolve) => (release = resolve));
    await b.routeWebSocket(/\/api\/v1\/streaming/, async (ws) => {
      await held;
      ws.connectToServer();
    });
    await b.goto("/home");
    await b.locator("main .feed p.empty").waitFor();
    // A poll from the compose box; B votes and sees the results.
    await a.locator("nav .compose-button").click();
    const dialog = a.getByRole("dialog", { name: "New post" });
    await dialog.getByRole("textbox", { name: "What is happening?" }).fill(`tea or coffee ${stamp}`);
    await dialog.getByRole("button", { name: "Add a poll" }).click();
    await dialog.getByRole("textbox", { name: "Choice 1" }).fill("tea");
    await dialog.getByRole("textbox", { name: "Choice 2" }).fill("coffee");
    await dialog.getByRole("button", { name: "Post", exact: true }).click();
    await dialog.waitFor({ state: "detached" });
    const bToken = await b.evaluate(() => localStorage.getItem("chirp.token"));
    for (let tries = 0; ; tries++) {
      const home = await fetch(`${base}/api/v1/timelines/home`, { headers: { Authorization: `Bearer ${bToken}` } });
      if ((await home.text()).includes(`tea or coffee ${stamp}`)) break;
      check(tries < 100, "the poll reaches B's home timeline");
      await b.waitForTimeout(100);
    }
    check((await b.locator("html[data-stream=open]").count()) === 0, "B's socket is still held back");
    release();
    const polled = card(b, `tea or coffee ${stamp}`);
    await polled.getByRole("radio", { name: "coffee" }).check();
    await polled.getByRole("button", { name: "Vote" }).click();
    await polled.locator(".poll li.own", { hasText: "100%" }).waitFor();
    // A failed like: shown at once, rolled back, and the reason on screen.
    await b.route("**/api/v1/statuses/*/favourite", (route) => route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ error: "down" }) }));
    await polled.getByRole("button", { name: "Like" }).click();
    await b.getByRole("alert").filter({ hasText: "The server had a problem" }).waitFor();
    await polled.getByRole("button", { name: "Like" }).waitFor();
    check((await polled.locator(".act.like .count").count()) === 0, "the counter rolled back");
    await b.unroute("**/api/v1/statuses/*/favourite");
    // Relative times move on without a reload.
    const before = await polled.locator("a.time time").textContent();
    await b.waitForFunction((old) => [...document.querySelectorAll("main article.status a.time time")].some((t) => t.textContent !== old), before, { timeout: 45000 });
    // Mute from the tweet's menu: A's tweets leave; undone from the settings.
    await polled.getByRole("button", { name: "More actions" }).click();
    await polled.getByRole("menuitem", { name: `Mute @${an}` }).click();
    await polled.waitFor({ state: "detached" });
    await b.goto("/settings/mutes");
    await b.locator(".account-row", { hasText: `@${an}` }).waitFor();
    await b.getByRole("button", { name: "Unmute" }).click();
    await b.locator(".account-row", { hasText: `@${an}` }).waitFor({ state: "detached" });
    // Report and block from the profile.
    await b.goto(`/@${an}`);
    await b.getByRole("button", { name: "More options for this account" }).click();
    await b.getByRole("menuitem", { name: `Report @${an}` }).click();
    const report = b.getByRole("dialog", { name: `Report @${an}` });
    await report.getByLabel("Anything the moderators should know").fill("testing the report form");
    await report.getByRole("button", { name: "Send report" }).click();
    await b.getByText("Report sent to the moderators").waitFor();
    await b.getByRole("button", { name: "More options for this account" }).click();
    await b.getByRole("menuitem", { name: `Block @${an}` }).click();
    await b.getByRole("button", { name: "Follow" }).waitFor({ state: "detached" });
    await b.getByRole("button", { name: "More options for this account" }).click();
    await b.getByRole("menuitem", { name: "Unblock" }).waitFor();
    // A 429 with its wait, and offline, worded for people.
    await b.route("**/api/v1/timelines/home*", (route) => route.fulfill({ status: 429, headers: { "Retry-After": "42", "content-type": "application/json" }, body: JSON.stringify({ error: "Too many requests" }) }));
    await b.goto("/home");
    await b.getByRole("alert").filter({ hasText: "try again in 42 seconds" }).waitFor();
    await b.context().setOffline(true);
    await b.locator(".banner", { hasText: "Offline" }).waitFor();
    await b.context().setOffline(false);
    await b.locator(".banner", { hasText: "Offline" }).waitFor({ state: "detached" });
    const problems = [...a.problems, ...b.problems].filter((p) => !/WebSocket|ERR_INTERNET_DISCONNECTED/.test(p));
    check(problems.length === 0, `console: ${problems}`);
  },

  /** Lists: A makes one, adds B (whom A follows); B's tweet arrives live on the list's page
   * (its own `list` stream); axe on both list screens. */
  async lists(browser) {
    const a = await open(browser, base, DESKTOP);
    const b = await open(browser, base, MOBILE);
    const bn = name("lee");
    await signUp(a, name("kim"));
    await signUp(b, bn);
    await a.goto(`/@${bn}`);
    await a.getByRole("button", { name: "Follow" }).click();
    await a.getByRole("button", { name: "Unfollow" }).waitFor();
    await a.goto("/lists");
    await a.getByRole("textbox", { name: "New list's name" }).fill(`friends ${stamp}`);
    await a.getByRole("button", { name: "Create" }).click();
    const violations = (await axeViolations(a)).map((v) => `/lists ${v}`);
    await a.getByRole("link", { name: `friends ${stamp}` }).click();
    await a.waitForURL(/\/lists\/\d+$/);
    await a.getByRole("button", { name: "Members" }).click();
    await a.getByRole("textbox", { name: "Add someone you follow: @handle" }).fill(`@${bn}`);
    await a.getByRole("button", { name: "Add", exact: true }).click();
    await a.locator(".account-row", { hasText: `@${bn}` }).waitFor();
    await a.locator("html[data-stream=open]").waitFor();
    await a.waitForTimeout(500);
    await post(b, `on the list ${stamp}`);
    await card(a, `on the list ${stamp}`).waitFor({ timeout: 10000 });
    violations.push(...(await axeViolations(a)).map((v) => `list page ${v}`));
    check(violations.length === 0, `axe violations:\n${violations.join("\n")}`);
    check(a.problems.length === 0 && b.problems.length === 0, `console: ${a.problems} ${b.problems}`);
  },

  /** Lists managed: from B's profile A puts B in a list and takes B out again (the dialog
   * checked with axe), then renames the list and deletes it. */
  async list_manage(browser) {
    const a = await open(browser, base, MOBILE);
    const an = name("max"), bn = name("ned");
    const b = await open(browser, base, DESKTOP);
    await signUp(b, bn);
    await signUp(a, an);
    const token = await a.evaluate(() => localStorage.getItem("chirp.token"));
    const api = async (path) => (await fetch(base + path, { headers: { Authorization: `Bearer ${token}` } })).json();
    await a.goto(`/@${bn}`);
    await a.getByRole("button", { name: "Follow" }).click();
    await a.getByRole("button", { name: "Unfollow" }).waitFor();
    for (const title of [`zoo ${stamp}`, `art ${stamp}`]) {
      await a.goto("/lists");
      await a.getByRole("textbox", { name: "New list's name" }).fill(title);
      await a.getByRole("button", { name: "Create" }).click();
      await a.getByRole("link", { name: title }).waitFor();
    }
    const [list] = (await api("/api/v1/lists")).filter((l) => l.title === `art ${stamp}`);
    await a.goto(`/@${bn}`);
    await a.getByRole("button", { name: "More options for this account" }).click();
    await a.getByRole("menuitem", { name: `Lists with @${bn}` }).click();
    const dialog = a.getByRole("dialog", { name: `Lists with @${bn}` });
    const add = dialog.getByRole("button", { name: `Add to art ${stamp}` });
    await add.waitFor();
    const order = await dialog.locator("li span").allTextContents();
    check(order.join("|") === `art ${stamp}|zoo ${stamp}`, `lists alphabetically: ${order}`);
    const violations = (await axeViolations(a)).map((v) => `lists dialog ${v}`);
    await add.click();
    const remove = dialog.getByRole("button", { name: `Remove from art ${stamp}` });
    await remove.waitFor();
    check((await remove.getAttribute("aria-pressed")) === "true", "pressed once a member");
    let members = await api(`/api/v1/lists/${list.id}/accounts`);
    check(members.map((m) => m.acct).join() === bn, `B in the list: ${members.map((m) => m.acct)}`);
    const containing = await api(`/api/v1/accounts/${members[0].id}/lists`);
    check(containing.map((l) => l.id).join() === list.id, "only in that list");
    // Reopened, the dialog shows what the server holds.
    await a.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    await a.getByRole("button", { name: "More options for this account" }).click();
    await a.getByRole("menuitem", { name: `Lists with @${bn}` }).click();
    await dialog.getByRole("button", { name: `Remove from art ${stamp}` }).click();
    await dialog.getByRole("button", { name: `Add to art ${stamp}` }).waitFor();
    members = await api(`/api/v1/lists/${list.id}/accounts`);
    check(members.length === 0, "B out of the list");
    await dialog.getByRole("button", { name: "Close" }).click();
    // Rename, then delete (confirmed).
    await a.goto(`/lists/${list.id}`);
    await a.getByRole("button", { name: "Rename" }).click();
    await a.getByRole("textbox", { name: "List name" }).fill(`  best ${stamp} `);
    await a.getByRole("button", { name: "Save" }).click();
    await a.locator("main h1", { hasText: `best ${stamp}` }).waitFor();
    check((await api(`/api/v1/lists/${list.id}`)).title === `best ${stamp}`, "renamed on the server");
    violations.push(...(await axeViolations(a)).map((v) => `list page ${v}`));
    a.once("dialog", (d) => void d.accept());
    await a.getByRole("button", { name: "Delete list" }).click();
    await a.waitForURL(/\/lists$/);
    await a.getByRole("link", { name: `zoo ${stamp}` }).waitFor();
    check((await a.getByRole("link", { name: `best ${stamp}` }).count()) === 0, "gone from the lists");
    check((await api("/api/v1/lists")).every((l) => l.id !== list.id), "deleted on the server");
    check(violations.length === 0, `axe violations:\n${violations.join("\n")}`);
    check(a.problems.length === 0 && b.problems.length === 0, `console: ${a.problems} ${b.problems}`);
  },

  /** Settings → Sessions: one person signed in on a phone and a desktop; the desktop lists
   * both, signs the phone out (its token stops working), then signs itself out. */
  async sessions(browser) {
    const desk = await open(browser, base, DESKTOP);
    const phone = await open(browser, base, MOBILE);
    const me = name("ola");
    await signUp(desk, me);
    await logIn(phone, me);
    const phoneToken = await phone.evaluate(() => localStorage.getItem("chirp.token"));
    const deskToken = await desk.evaluate(() => localStorage.getItem("chirp.token"));
    const status = async (t) => (await fetch(`${base}/api/v1/accounts/verify_credentials`, { headers: { Authorization: `Bearer ${t}` } })).status;
    await desk.goto("/settings");
    await desk.getByRole("link", { name: "Sessions" }).click();
    await desk.waitForURL("**/settings/sessions");
    const rows = desk.locator("main ul.sessions li");
    await rows.nth(1).waitFor();
    check((await rows.count()) === 2, `two sessions (got ${await rows.count()})`);
    check((await rows.first().textContent()).includes("This browser"), "this browser first");
    const text = await desk.locator("main").textContent();
    check(!text.includes(phoneToken) && !text.includes(deskToken), "no token on the screen");
    const violations = (await axeViolations(desk)).map((v) => `sessions ${v}`);
    await rows.nth(1).getByRole("button").click();
    await desk.getByText(/^Signed out of /).waitFor();
    check((await rows.count()) === 1, "the phone's session is gone");
    check((await status(phoneToken)) === 401, "the phone's token is revoked");
    check((await status(deskToken)) === 200, "this browser still signed in");
    // The phone notices at its next request: back to the sign-in screen.
    await phone.goto("/notifications");
    await phone.getByRole("button", { name: "Sign in" }).waitFor();
    await rows.first().getByRole("button").click();
    await desk.waitForURL(base + "/");
    check((await status(deskToken)) === 401, "signing out this browser revokes its token");
    check((await desk.evaluate(() => localStorage.getItem("chirp.token"))) === null, "token forgotten");
    check(violations.length === 0, `axe violations:\n${violations.join("\n")}`);
    check(desk.problems.length === 0, `console: ${desk.problems}`);
  },

  /** axe-core on every screen, phone and desktop: no serious or critical violation. */
  async axe(browser) {
    const found = [];
    for (const [label, options] of [["phone", MOBILE], ["desktop", DESKTOP]]) {
      const page = await open(browser, base, options);
      const audit = async (path) => {
        await page.waitForLoadState("networkidle");
        await page.waitForTimeout(200);
        for (const v of await axeViolations(page)) found.push(`${label} ${path} ${v}`);
      };
      for (const path of ["/login", "/signup"]) {
        await page.goto(path);
        await audit(path);
      }
      const me = name(label === "phone" ? "gus" : "hal");
      await signUp(page, me);
      await post(page, `an accessible post #a11y${stamp}`);
      const tweet = card(page, "an accessible post");
      await tweet.waitFor();
      const id = await tweet.getAttribute("data-id");
      for (const path of ["/home", "/home?tab=for-you", "/explore", "/notifications", `/search?q=a11y${stamp}`, "/bookmarks", "/favourites", "/settings", "/settings/blocks", "/settings/mutes", "/settings/sessions", "/follow_requests", "/live-now", `/@${me}`, `/@${me}/${id}`, `/tags/a11y${stamp}`]) {
        await page.goto(path);
        await page.locator("main h1").waitFor();
        await audit(path);
      }
      await page.goto("/home");
      await page.locator("nav .compose-button").click();
      await page.getByRole("dialog", { name: "New post" }).getByRole("button", { name: "Add a poll" }).click();
      await audit("compose dialog with a poll");
      // The dark theme (the system's choice) passes the same checks, contrast included.
      await page.emulateMedia({ colorScheme: "dark" });
      for (const path of ["/home", "/notifications", `/@${me}`, "/settings"]) {
        await page.goto(path);
        await page.locator("main h1").waitFor();
        await audit(`${path} (dark)`);
      }
      await page.emulateMedia({ colorScheme: "light" });
    }
    check(found.length === 0, `axe violations:\n${found.join("\n")}`);
  },

  /** The README's screenshots (docs/screenshots.py seeds the people and their tweets). */
  async readme_shots(browser) {
    for (const [file, options] of [["web-desktop.png", { viewport: { width: 1280, height: 800 } }], ["web-mobile.png", { ...MOBILE, deviceScaleFactor: 1 }]]) {
      const page = await open(browser, base, { ...options, colorScheme: "light" });
      await useToken(page, process.env.CHIRP_E2E_TOKEN);
      await page.goto("/home");
      await card(page, "birdwatching").waitFor();
      await page.locator("main article.status img[alt^='Green hills']").first().waitFor();
      await page.waitForLoadState("networkidle");
      await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
      await page.waitForTimeout(300);
      await shot(page, file);
      await page.context().close();
    }
  },
};

const browser = await launch();
try {
  const run = scenarios[scenario];
  if (!run) throw new Error(`no scenario ${scenario}: ${Object.keys(scenarios)}`);
  await run(browser);
  console.log(`ok ${scenario}`);
} catch (error) {
  console.error(`FAIL ${scenario}: ${error?.stack ?? error}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
