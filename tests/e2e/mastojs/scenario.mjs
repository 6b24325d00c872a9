// Drives a running Chirp server the way Elk and Phanpy do: through masto.js.
//
//   node scenario.mjs http://127.0.0.1:8080 http://127.0.0.2:8081/page
//
// The second address serves a page with Open Graph tags, for the link card step.
//
// Every step runs even when an earlier one failed, and the script prints one JSON object on
// stdout: {"steps": {"<name>": {"ok": true, "facts": {...}} | {"ok": false, "error": "..."}}}.
// tests/e2e/test_mastojs.py runs it against a fresh `chirp serve` and asserts on the facts;
// the script itself decides nothing, so a failing endpoint shows up as one failed step.

import {
  MastoHttpError,
  createOAuthAPIClient,
  createRestAPIClient,
  createStreamingAPIClient,
} from "masto";
import crypto from "node:crypto";
import WebSocket from "ws";

const [url, page] = process.argv.slice(2);
if (!url || !page) {
  console.error("usage: node scenario.mjs <server url> <page url>");
  process.exit(2);
}

const PASSWORD = "correct horse battery staple";
// Where Elk or Phanpy would be served from: browsers send it on every cross-origin call.
const BROWSER_ORIGIN = "https://elk.example";
const SCOPES = "read write follow";
const REDIRECT_URI = "urn:ietf:wg:oauth:2.0:oob";
const steps = {};

async function step(name, body) {
  try {
    steps[name] = { ok: true, facts: (await body()) ?? {} };
  } catch (error) {
    steps[name] = { ok: false, error: describe(error) };
  }
}

/** The error, and the line of this script whose call failed (a step makes several calls). */
function describe(error) {
  const here = String(error?.stack ?? "")
    .split("\n")
    .find((line) => line.includes("scenario.mjs"));
  const where = here ? ` (${here.replace(/.*\/(scenario\.mjs:\d+).*/, "$1")})` : "";
  if (error instanceof MastoHttpError) {
    return `HTTP ${error.statusCode}: ${error.message}${where}`;
  }
  return `${error?.name ?? "Error"}: ${error?.message ?? error}${where}`;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Side effects (fan-out, notifications) land just after the write: poll until `check` holds. */
async function eventually(probe, check, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (check(value) || Date.now() > deadline) return value;
    await sleep(50);
  }
}

const anonymous = createRestAPIClient({ url, timeout: 30_000 });
const oauth = createOAuthAPIClient({ url, timeout: 30_000 });
const as = (accessToken) => createRestAPIClient({ url, accessToken, timeout: 60_000 });

// --- An app, its token, accounts, a password login -------------------------------------------

let app;
let appToken;
await step("app", async () => {
  app = await anonymous.v1.apps.create({
    clientName: "chirp masto.js e2e",
    redirectUris: REDIRECT_URI,
    scopes: `${SCOPES} push`, // push: a token of its own subscribes to Web Push
    website: "https://github.com/neet/masto.js",
  });
  const token = await oauth.token.create({
    grantType: "client_credentials",
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUri: REDIRECT_URI,
    scope: SCOPES,
  });
  appToken = token.accessToken;
  const verified = await as(appToken).v1.apps.verifyCredentials();
  return {
    name: app.name,
    hasClientId: Boolean(app.clientId),
    hasClientSecret: Boolean(app.clientSecret),
    tokenType: token.tokenType,
    verifiedName: verified.name,
  };
});

const tokens = {};
const ids = {};
for (const name of ["ada", "bob", "cy", "dan"]) {
  await step(`register_${name}`, async () => {
    const token = await as(appToken).v1.accounts.create({
      username: name,
      email: `${name}@example.com`,
      password: PASSWORD,
      agreement: true,
      locale: "en",
    });
    tokens[name] = token.accessToken;
    const me = await as(tokens[name]).v1.accounts.verifyCredentials();
    ids[name] = me.id;
    return { username: me.username, hasToken: Boolean(token.accessToken) };
  });
}

// Ada signs in again with her password, as a client's login screen would (Mastodon.py's
// log_in and toot use this grant); her session from here on uses this token.
await step("password_login", async () => {
  const token = await oauth.token.create({
    grantType: "password",
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUri: REDIRECT_URI,
    scope: SCOPES,
    username: "ada@example.com",
    password: PASSWORD,
  });
  tokens.ada = token.accessToken;
  const me = await as(tokens.ada).v1.accounts.verifyCredentials();
  return {
    username: me.username,
    scope: token.scope,
    hasSource: me.source !== undefined && me.source !== null,
    sourcePrivacy: me.source?.privacy ?? null,
  };
});

const ada = () => as(tokens.ada);
const bob = () => as(tokens.bob);
const cy = () => as(tokens.cy);
const dan = () => as(tokens.dan);

// --- What a client reads at start-up -----------------------------------------------------------

await step("instance_v1", async () => {
  const instance = await anonymous.v1.instance.fetch();
  return {
    uri: instance.uri,
    title: instance.title,
    version: instance.version,
    streamingApi: instance.urls?.streamingApi ?? null,
    maxCharacters: instance.configuration?.statuses?.maxCharacters ?? null,
    registrations: instance.registrations,
    userCount: instance.stats?.userCount ?? null,
  };
});

await step("instance_v2", async () => {
  const instance = await anonymous.v2.instance.fetch();
  return {
    domain: instance.domain,
    title: instance.title,
    version: instance.version,
    apiVersionsMastodon: instance.apiVersions?.mastodon ?? null,
    streaming: instance.configuration?.urls?.streaming ?? null,
    maxCharacters: instance.configuration?.statuses?.maxCharacters ?? null,
    maxMediaAttachments: instance.configuration?.statuses?.maxMediaAttachments ?? null,
    registrationsEnabled: instance.registrations?.enabled ?? null,
    hasRules: Array.isArray(instance.rules),
  };
});

await step("preferences", async () => {
  const before = await cy().v1.preferences.fetch();
  const updated = await cy().v1.accounts.updateCredentials({
    source: { privacy: "unlisted", sensitive: true, language: "fr" },
  });
  const after = await cy().v1.preferences.fetch();
  // A status posted without a visibility takes the account's default, as on Mastodon.
  const status = await cy().v1.statuses.create({ status: "posted with my defaults" });
  return {
    defaultVisibilityBefore: before["posting:default:visibility"],
    sourcePrivacy: updated.source?.privacy ?? null,
    visibility: after["posting:default:visibility"],
    sensitive: after["posting:default:sensitive"],
    language: after["posting:default:language"],
    expandMedia: after["reading:expand:media"],
    expandSpoilers: after["reading:expand:spoilers"],
    postedVisibility: status.visibility,
    postedLanguage: status.language,
  };
});

// What Phanpy, Elk and Tusky also read before showing anything: empty on a new server, not 404.
await step("start_up_lists", async () => {
  const emojis = await ada().v1.customEmojis.list();
  const announcements = await ada().v1.announcements.list();
  const policy = await ada().v2.notifications.policy.fetch();
  const requests = await ada().v1.notifications.requests.list();
  return {
    emojis: emojis.length,
    announcements: announcements.length,
    policyForNotFollowing: policy.forNotFollowing,
    policyPendingRequests: policy.summary?.pendingRequestsCount ?? null,
    requests: requests.length,
  };
});

// --- Follows, posts, the home timeline and markers ---------------------------------------------

let hello;
let second;
await step("follow_and_post", async () => {
  const relationship = await ada().v1.accounts.$select(ids.bob).follow();
  hello = await bob().v1.statuses.create({
    status: "Hello from masto.js #mastojs",
    visibility: "public",
  });
  second = await bob().v1.statuses.create({ status: "a second one" });
  const home = await eventually(
    () => ada().v1.timelines.home.list({ limit: 10 }),
    (page) => page.length >= 2,
  );
  return {
    following: relationship.following,
    helloTags: hello.tags.map((tag) => tag.name),
    homeIds: home.map((status) => status.id),
    expectedHomeIds: [second.id, hello.id],
  };
});

await step("statuses_batch", async () => {
  const missing = "1"; // an id no status has: left out, as Mastodon does
  const batch = await ada().v1.statuses.fetch({ id: [hello.id, missing] });
  return { ids: batch.map((status) => status.id), expected: [hello.id] };
});

await step("markers", async () => {
  const empty = await ada().v1.markers.fetch({ timeline: ["home", "notifications"] });
  const saved = await ada().v1.markers.create({ home: { lastReadId: hello.id } });
  const again = await ada().v1.markers.create({ home: { lastReadId: second.id } });
  const read = await ada().v1.markers.fetch({ timeline: ["home", "notifications"] });
  return {
    emptyTimelines: Object.keys(empty),
    savedLastReadId: saved.home?.lastReadId ?? null,
    firstVersion: saved.home?.version ?? null,
    secondVersion: again.home?.version ?? null,
    readLastReadId: read.home?.lastReadId ?? null,
    readHasUpdatedAt: Boolean(read.home?.updatedAt),
    readTimelines: Object.keys(read),
    helloId: hello.id,
    expectedLastReadId: second.id,
  };
});

// --- Grouped notifications (Mastodon 4.3's /api/v2/notifications) ------------------------------

await step("grouped_notifications", async () => {
  await ada().v1.statuses.$select(hello.id).favourite();
  await dan().v1.statuses.$select(hello.id).favourite();
  await ada().v1.statuses.$select(hello.id).reblog();
  const results = await eventually(
    () =>
      bob().v2.notifications.list({
        groupedTypes: ["favourite", "reblog", "follow"],
        expandAccounts: "full",
      }),
    (page) =>
      page.notificationGroups.some(
        (group) => group.type === "favourite" && group.notificationsCount === 2,
      ) && page.notificationGroups.some((group) => group.type === "reblog"),
  );
  const groups = results.notificationGroups;
  const favourites = groups.find((group) => group.type === "favourite");
  const unread = await bob().v2.notifications.unreadCount.fetch();
  const unreadV1 = await bob().v1.notifications.unreadCount.fetch();
  const one = await bob().v2.notifications.$select(favourites.groupKey).fetch();
  const accounts = await bob().v2.notifications.$select(favourites.groupKey).accounts.fetch();
  await bob().v2.notifications.$select(favourites.groupKey).dismiss();
  const afterDismiss = await bob().v2.notifications.list();
  return {
    types: groups.map((group) => group.type).sort(),
    favouriteCount: favourites.notificationsCount,
    favouriteStatusId: favourites.statusId,
    favouriteSamples: [...favourites.sampleAccountIds].sort(),
    expectedSamples: [ids.ada, ids.dan].sort(),
    expectedStatusId: hello.id,
    accountIds: results.accounts.map((account) => account.id).sort(),
    statusIds: results.statuses.map((status) => status.id),
    unreadCount: unread.count,
    unreadCountV1: unreadV1.count,
    fetchedGroupKeys: one.notificationGroups.map((group) => group.groupKey),
    groupKey: favourites.groupKey,
    groupAccountIds: accounts.map((account) => account.id).sort(),
    typesAfterDismiss: afterDismiss.notificationGroups.map((group) => group.type).sort(),
  };
});

// --- A locked account: follow requests ---------------------------------------------------------

await step("follow_requests", async () => {
  const locked = await cy().v1.accounts.updateCredentials({ locked: true });
  const requested = await ada().v1.accounts.$select(ids.cy).follow();
  const pending = await cy().v1.followRequests.list();
  const notified = await eventually(
    () => cy().v2.notifications.list({ types: ["follow_request"] }),
    (page) => page.notificationGroups.length > 0,
  );
  const authorized = await cy().v1.followRequests.$select(ids.ada).authorize();
  const [relationship] = await ada().v1.accounts.relationships.fetch({ id: [ids.cy] });
  const afterwards = await cy().v1.followRequests.list();
  // Followers-only posts of a locked account reach the follower it approved.
  const secret = await cy().v1.statuses.create({
    status: "for my followers",
    visibility: "private",
  });
  const home = await eventually(
    () => ada().v1.timelines.home.list({ limit: 20 }),
    (page) => page.some((status) => status.id === secret.id),
  );
  return {
    locked: locked.locked,
    requested: requested.requested,
    followingBeforeApproval: requested.following,
    pendingIds: pending.map((account) => account.id),
    notificationTypes: notified.notificationGroups.map((group) => group.type),
    authorizedFollowedBy: authorized.followedBy,
    following: relationship.following,
    stillRequested: relationship.requested,
    pendingAfter: afterwards.length,
    privateReachedHome: home.some((status) => status.id === secret.id),
    expectedPendingIds: [ids.ada],
  };
});

// --- Followed tags: a tagged post from a stranger reaches the home timeline -------------------

await step("followed_tags", async () => {
  const unused = await ada().v1.tags.$select("neverusedanywhere").fetch();
  const followed = await ada().v1.tags.$select("ChirpTags").follow();
  const list = await ada().v1.followedTags.list();
  const tagged = await dan().v1.statuses.create({
    status: "Nobody follows me but #chirptags",
    visibility: "public",
  });
  const home = await eventually(
    () => ada().v1.timelines.home.list({ limit: 20 }),
    (page) => page.some((status) => status.id === tagged.id),
  );
  const unfollowed = await ada().v1.tags.$select("chirptags").unfollow();
  const listAfter = await ada().v1.followedTags.list();
  return {
    unusedName: unused.name,
    unusedHistory: unused.history,
    unusedFollowing: unused.following,
    followedName: followed.name.toLowerCase(),
    followedFollowing: followed.following,
    listNames: list.map((tag) => tag.name.toLowerCase()),
    taggedReachedHome: home.some((status) => status.id === tagged.id),
    unfollowedFollowing: unfollowed.following,
    listAfter: listAfter.length,
  };
});

// --- The streaming websocket, opened the way a browser opens it -------------------------------

/** A websocket that sends an `Origin`, as every browser does (Node's sends none). */
class BrowserWebSocket extends WebSocket {
  constructor(address, protocols) {
    super(address, protocols, { origin: BROWSER_ORIGIN });
  }
}

await step("streaming_from_a_web_client", async () => {
  const instance = await anonymous.v2.instance.fetch();
  const streaming = createStreamingAPIClient({
    streamingApiUrl: instance.configuration.urls.streaming,
    accessToken: tokens.ada, // sent as Sec-WebSocket-Protocol, as browsers must
    implementation: BrowserWebSocket,
    retry: 1,
  });
  const seen = [];
  let failure = null;
  const subscription = streaming.user.subscribe();
  const reading = (async () => {
    for await (const event of subscription) seen.push(event);
  })().catch((error) => {
    failure = error;
  });
  try {
    // The subscription reaches the server a moment after the socket opens: post until one lands.
    const posted = new Set();
    let received = null;
    for (let attempt = 0; attempt < 5 && !received && !failure; attempt++) {
      posted.add((await bob().v1.statuses.create({ status: `live ${attempt}` })).id);
      received = (
        await eventually(
          async () => seen.find((e) => e.event === "update" && posted.has(e.payload.id)),
          (event) => event !== undefined || failure !== null,
          2000,
        )
      ) ?? null;
    }
    if (failure) throw failure;
    return {
      received: received !== null,
      stream: received?.stream ?? null,
      accountAcct: received?.payload.account.acct ?? null,
    };
  } finally {
    subscription.unsubscribe();
    streaming.close();
    await Promise.race([reading, sleep(1000)]);
  }
});

// --- Lists and direct conversations (Elk's and Phanpy's menus), with their streams -----------

/** The first event of a subscription that `check` accepts, while `act` runs (retried until one
 * arrives: the subscription reaches the server a moment after the socket opens). */
async function firstEvent(subscribe, act, check) {
  const instance = await anonymous.v2.instance.fetch();
  const streaming = createStreamingAPIClient({
    streamingApiUrl: instance.configuration.urls.streaming,
    accessToken: tokens.ada,
    implementation: BrowserWebSocket,
    retry: 1,
  });
  const seen = [];
  let failure = null;
  const subscription = subscribe(streaming);
  const reading = (async () => {
    for await (const event of subscription) seen.push(event);
  })().catch((error) => {
    failure = error;
  });
  try {
    let found = null;
    for (let attempt = 0; attempt < 5 && !found && !failure; attempt++) {
      const made = await act(attempt);
      found =
        (await eventually(
          async () => seen.find((event) => check(event, made)),
          (event) => event !== undefined || failure !== null,
          2000,
        )) ?? null;
    }
    if (failure) throw failure;
    return found;
  } finally {
    subscription.unsubscribe();
    streaming.close();
    await Promise.race([reading, sleep(1000)]);
  }
}

await step("lists", async () => {
  const made = await ada().v1.lists.create({ title: "Masto friends", exclusive: false });
  const all = await ada().v1.lists.list();
  await ada().v1.lists.$select(made.id).accounts.create({ accountIds: [ids.bob] });
  let refused = null;
  try {
    await ada().v1.lists.$select(made.id).accounts.create({ accountIds: [ids.dan] });
  } catch (error) {
    refused = error instanceof MastoHttpError ? error.statusCode : String(error);
  }
  const members = await ada().v1.lists.$select(made.id).accounts.list();
  const bobsLists = await ada().v1.accounts.$select(ids.bob).lists.list();
  const listed = await bob().v1.statuses.create({ status: "for my listeners" });
  const timeline = await eventually(
    () => ada().v1.timelines.list.$select(made.id).list({ limit: 5 }),
    (page) => page.some((status) => status.id === listed.id),
  );
  const streamed = await firstEvent(
    (streaming) => streaming.list.subscribe({ list: made.id }),
    (attempt) => bob().v1.statuses.create({ status: `list live ${attempt}` }),
    (event, made) => event.event === "update" && event.payload.id === made.id,
  );
  const renamed = await ada().v1.lists.$select(made.id).update({ title: "Renamed" });
  await ada().v1.lists.$select(made.id).accounts.remove({ accountIds: [ids.bob] });
  const membersAfter = await ada().v1.lists.$select(made.id).accounts.list();
  await ada().v1.lists.$select(made.id).remove();
  const listsAfter = await ada().v1.lists.list();
  return {
    title: made.title,
    repliesPolicy: made.repliesPolicy,
    exclusive: made.exclusive,
    listed: all.map((list) => list.id).includes(made.id),
    notFollowedStatus: refused,
    members: members.map((account) => account.acct),
    bobsLists: bobsLists.map((list) => list.title),
    timelineHasIt: timeline.some((status) => status.id === listed.id),
    streamed: streamed !== null,
    streamedStream: streamed?.stream ?? null,
    listId: made.id,
    renamed: renamed.title,
    membersAfter: membersAfter.length,
    listedAfter: listsAfter.some((list) => list.id === made.id),
  };
});

await step("conversations", async () => {
  const acct = (await cy().v1.accounts.verifyCredentials()).acct;
  const dm = await ada().v1.statuses.create({ status: `@${acct} just us`, visibility: "direct" });
  const theirs = await eventually(
    () => cy().v1.conversations.list(),
    (page) => page.some((c) => c.lastStatus?.id === dm.id),
  );
  const conversation = theirs.find((c) => c.lastStatus?.id === dm.id);
  const read = await cy().v1.conversations.$select(conversation.id).read();
  const streamed = await firstEvent(
    (streaming) => streaming.direct.subscribe(),
    (attempt) =>
      cy().v1.statuses.create({
        status: `@ada reply ${attempt}`,
        visibility: "direct",
        inReplyToId: dm.id,
      }),
    (event, made) => event.event === "conversation" && event.payload.lastStatus?.id === made.id,
  );
  const mine = await ada().v1.conversations.list();
  await cy().v1.conversations.$select(conversation.id).remove();
  const theirsAfter = await cy().v1.conversations.list();
  return {
    unread: conversation.unread,
    accounts: conversation.accounts.map((account) => account.acct),
    readUnread: read.unread,
    streamed: streamed !== null,
    streamedUnread: streamed?.payload.unread ?? null,
    streamedAccounts: streamed?.payload.accounts.map((account) => account.acct) ?? null,
    streamedIsMine: mine.some((c) => c.id === streamed?.payload.id),
    theirsAfter: theirsAfter.length,
  };
});

// --- Features beyond the start-up screens: filters, polls, scheduled posts, push, cards ------

await step("filters_v2", async () => {
  const warn = await ada().v2.filters.create({
    title: "TV",
    context: ["home", "public"],
    filterAction: "warn",
    keywordsAttributes: [{ keyword: "finale", wholeWord: true }],
  });
  const hide = await ada().v2.filters.create({
    title: "Never",
    context: ["home"],
    filterAction: "hide",
    keywordsAttributes: [{ keyword: "cryptocoins", wholeWord: false }],
  });
  const titles = (await ada().v2.filters.list()).map((filter) => filter.title);
  const spoiled = await bob().v1.statuses.create({ status: "That Finale!" });
  const hidden = await bob().v1.statuses.create({ status: "cryptocoinsmania tips" });
  const marker = await bob().v1.statuses.create({ status: "after the filtered ones" });
  const home = await eventually(
    () => ada().v1.timelines.home.list({ limit: 10 }),
    (page) => page.some((status) => status.id === marker.id),
  );
  const warned = home.find((status) => status.id === spoiled.id);
  await ada().v2.filters.$select(warn.id).remove();
  await ada().v2.filters.$select(hide.id).remove();
  const homeAfter = await ada().v1.timelines.home.list({ limit: 10 });
  return {
    keywords: warn.keywords.map((keyword) => keyword.keyword),
    hideAction: hide.filterAction,
    titles,
    warnedFilterIds: warned?.filtered?.map((result) => result.filter.id) ?? null,
    warnId: warn.id,
    keywordMatches: warned?.filtered?.[0]?.keywordMatches ?? null,
    markerFiltered: home.find((status) => status.id === marker.id).filtered,
    hiddenShown: home.some((status) => status.id === hidden.id),
    hiddenShownAfter: homeAfter.some((status) => status.id === hidden.id),
    filtersAfter: (await ada().v2.filters.list()).length,
  };
});

await step("polls", async () => {
  const made = await ada().v1.statuses.create({
    status: "What do you drink?",
    poll: { options: ["tea", "coffee", "water"], expiresIn: 600, multiple: true },
  });
  const pollId = made.poll.id;
  const before = await bob().v1.polls.$select(pollId).fetch();
  const voted = await bob().v1.polls.$select(pollId).votes.create({ choices: [0, 2] });
  let again = null;
  try {
    await bob().v1.polls.$select(pollId).votes.create({ choices: [1] });
  } catch (error) {
    again = error instanceof MastoHttpError ? error.statusCode : String(error);
  }
  const results = await ada().v1.polls.$select(pollId).fetch();
  const onStatus = await ada().v1.statuses.$select(made.id).fetch();
  return {
    options: made.poll.options.map((option) => option.title),
    multiple: made.poll.multiple,
    expired: made.poll.expired,
    votedBefore: before.voted,
    ownVotes: voted.ownVotes,
    counts: results.options.map((option) => option.votesCount),
    votesCount: results.votesCount,
    votersCount: results.votersCount,
    secondVoteStatus: again,
    statusVotesCount: onStatus.poll.votesCount,
  };
});

await step("scheduled_statuses", async () => {
  const at = new Date(Date.now() + 3600_000);
  const later = new Date(Date.now() + 7200_000);
  const made = await ada().v1.statuses.create({
    status: "Good morning!",
    visibility: "unlisted",
    scheduledAt: at.toISOString(),
  });
  const listed = await ada().v1.scheduledStatuses.list();
  const fetched = await ada().v1.scheduledStatuses.$select(made.id).fetch();
  let othersStatus = null;
  try {
    await bob().v1.scheduledStatuses.$select(made.id).fetch();
  } catch (error) {
    othersStatus = error instanceof MastoHttpError ? error.statusCode : String(error);
  }
  const moved = await ada()
    .v1.scheduledStatuses.$select(made.id)
    .update({ scheduledAt: later.toISOString() });
  let tooSoon = null;
  try {
    await ada().v1.statuses.create({
      status: "too soon",
      scheduledAt: new Date(Date.now() + 60_000).toISOString(),
    });
  } catch (error) {
    tooSoon = error instanceof MastoHttpError ? error.statusCode : String(error);
  }
  await ada().v1.scheduledStatuses.$select(made.id).remove();
  const after = await ada().v1.scheduledStatuses.list();
  return {
    text: made.params.text,
    visibility: fetched.params.visibility,
    offsetMs: Math.abs(Date.parse(made.scheduledAt) - at.getTime()),
    listedIds: listed.map((scheduled) => scheduled.id),
    id: made.id,
    othersStatus,
    movedOffsetMs: Math.abs(Date.parse(moved.scheduledAt) - later.getTime()),
    tooSoonStatus: tooSoon,
    after: after.length,
  };
});

await step("push_subscription", async () => {
  // A browser's subscription: its P-256 key and auth secret, and an endpoint never reached
  // (nothing is pushed: the step ends before anything notifies ada).
  const ecdh = crypto.createECDH("prime256v1");
  const b64url = (buffer) => buffer.toString("base64url");
  const token = await oauth.token.create({
    grantType: "password",
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUri: REDIRECT_URI,
    scope: "push",
    username: "ada@example.com",
    password: PASSWORD,
  });
  const pusher = as(token.accessToken);
  const instance = await pusher.v2.instance.fetch();
  const made = await pusher.v1.push.subscription.create({
    subscription: {
      endpoint: "https://push.example.invalid/ada",
      keys: { p256dh: b64url(ecdh.generateKeys()), auth: b64url(crypto.randomBytes(16)) },
    },
    data: { alerts: { mention: true, follow: true, favourite: false } },
    policy: "all",
  });
  const shown = await pusher.v1.push.subscription.fetch();
  const changed = await pusher.v1.push.subscription.update({
    data: { alerts: { follow: true, mention: false } },
  });
  await pusher.v1.push.subscription.remove();
  let afterStatus = null;
  try {
    await pusher.v1.push.subscription.fetch();
  } catch (error) {
    afterStatus = error instanceof MastoHttpError ? error.statusCode : String(error);
  }
  return {
    serverKey: made.serverKey,
    vapidKey: instance.configuration.vapid?.publicKey ?? null,
    endpoint: made.endpoint,
    alerts: made.alerts,
    policy: made.policy,
    shownId: shown.id,
    madeId: made.id,
    changedAlerts: changed.alerts,
    afterStatus,
  };
});

await step("link_card", async () => {
  const made = await ada().v1.statuses.create({ status: `Read this: ${page}` });
  const seen = await eventually(
    () => bob().v1.statuses.$select(made.id).fetch(),
    (status) => status.card !== null && status.card !== undefined,
    15000,
  );
  return {
    page,
    cardUrl: seen.card?.url ?? null,
    title: seen.card?.title ?? null,
    description: seen.card?.description ?? null,
    type: seen.card?.type ?? null,
  };
});

// --- CORS: what a browser asks before a web client's first authenticated call -----------------

await step("cors_preflight", async () => {
  const origin = BROWSER_ORIGIN;
  const preflight = await fetch(`${url}/api/v1/timelines/home`, {
    method: "OPTIONS",
    headers: {
      Origin: origin,
      "Access-Control-Request-Method": "GET",
      "Access-Control-Request-Headers": "authorization",
    },
  });
  const actual = await fetch(`${url}/api/v1/timelines/home?limit=1`, {
    headers: { Origin: origin, Authorization: `Bearer ${tokens.ada}` },
  });
  const tokenPreflight = await fetch(`${url}/oauth/token`, {
    method: "OPTIONS",
    headers: {
      Origin: origin,
      "Access-Control-Request-Method": "POST",
      "Access-Control-Request-Headers": "content-type",
    },
  });
  // Phanpy reads nodeinfo from the page at start-up: a simple GET, answered for any origin.
  const wellKnown = await fetch(`${url}/.well-known/nodeinfo`, { headers: { Origin: origin } });
  const links = wellKnown.ok ? (await wellKnown.json()).links ?? [] : [];
  const nodeinfo = links.length
    ? await fetch(links[links.length - 1].href, { headers: { Origin: origin } })
    : null;
  const header = (response, name) => response?.headers.get(name) ?? null;
  return {
    origin,
    preflightStatus: preflight.status,
    allowOrigin: header(preflight, "access-control-allow-origin"),
    allowMethods: header(preflight, "access-control-allow-methods"),
    allowHeaders: header(preflight, "access-control-allow-headers"),
    maxAge: header(preflight, "access-control-max-age"),
    allowCredentials: header(preflight, "access-control-allow-credentials"),
    actualStatus: actual.status,
    actualAllowOrigin: header(actual, "access-control-allow-origin"),
    exposeHeaders: header(actual, "access-control-expose-headers"),
    tokenPreflightStatus: tokenPreflight.status,
    tokenAllowOrigin: header(tokenPreflight, "access-control-allow-origin"),
    tokenAllowHeaders: header(tokenPreflight, "access-control-allow-headers"),
    nodeinfoLinks: links.length,
    wellKnownAllowOrigin: header(wellKnown, "access-control-allow-origin"),
    nodeinfoStatus: nodeinfo?.status ?? null,
    nodeinfoAllowOrigin: header(nodeinfo, "access-control-allow-origin"),
  };
});

process.stdout.write(`${JSON.stringify({ steps }, null, 2)}\n`);
