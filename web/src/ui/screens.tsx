import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { ApiError, get, post, request } from "../api";
import { finishLogin, logOut, signUp, startLogin } from "../auth";
import { t } from "../i18n";
import { navigate, route } from "../router";
import { failed, me, remember, rememberAll, toast } from "../store";
import { onStream, watchTag } from "../stream";
import { loadGrouped, unread, markAllRead } from "../notifications";
import { relativeTime } from "../time";
import type { Account, GroupedNotifications, LiveStream, Relationship, Status, Tag } from "../types";
import { ErrorState, Feed } from "./Feed";
import { AccountRow, Avatar, Name, StatusCard, profilePath } from "./Status";
import { Icon } from "./icons";
import { SearchBox, Title, Trends } from "./home";
import { lazy } from "./lazy";
import { openReport, setBlock, setMute } from "./Safety";

const ListMembership = lazy(() => import("./Lists").then((m) => m.ListMembership));

function notificationText(type: string, who: string, n: number): string {
  const n_ = t.notifications;
  switch (type) {
    case "favourite": return n_.favourite(who, n);
    case "reblog": return n_.reblog(who, n);
    case "follow": return n_.follow(who, n);
    case "follow_request": return n_.follow_request(who);
    case "mention": return n_.mention(who);
    case "status": return n_.status(who);
    case "update": return n_.update(who);
    case "quote": return n_.quote(who);
    default: return n_.other(who);
  }
}

export function Notifications() {
  const data = useSignal<GroupedNotifications | null>(null);
  const error = useSignal<string | null>(null);
  const load = async () => {
    try {
      const grouped = await loadGrouped();
      rememberAll(grouped.statuses);
      data.value = grouped;
      error.value = null;
      await markAllRead(grouped.notification_groups[0]?.most_recent_notification_id);
    } catch (e) {
      error.value = e instanceof Error ? e.message : t.errors.generic;
    }
  };
  useEffect(() => {
    void load();
    return onStream((e) => (e.event === "notification" || e.event === "chirp.reset") && void load());
  }, []);
  const accounts = new Map((data.value?.accounts ?? []).map((a) => [a.id, a]));
  return (
    <>
      <Title text={t.notifications.title} />
      {me.value?.locked && <p class="pad"><a href="/follow_requests">{t.followRequests.title}</a></p>}
      {error.value && <ErrorState message={error.value} retry={load} />}
      {data.value && data.value.notification_groups.length === 0 && <p class="empty">{t.notifications.empty}</p>}
      <ul class="notifications" aria-live="polite">
        {data.value?.notification_groups.map((g) => {
          const who = g.sample_account_ids.map((id) => accounts.get(id)).filter((a): a is Account => !!a);
          const first = who[0];
          const status = g.status_id ? data.value!.statuses.find((s) => s.id === g.status_id) : undefined;
          return (
            <li key={g.group_key} class={`notification ${g.type}`}>
              {g.type === "mention" && status ? <StatusCard id={status.id} /> : (
                <>
                  <div class="avatars">{who.slice(0, 6).map((a) => <a href={profilePath(a)} key={a.id} aria-label={a.display_name || a.username}><Avatar account={a} size={32} /></a>)}</div>
                  <p>
                    <b>{notificationText(g.type, first ? first.display_name || first.username : "", g.notifications_count)}</b>
                    {g.latest_page_notification_at && <span class="muted"> · {relativeTime(g.latest_page_notification_at)}</span>}
                  </p>
                  {status && <a class="excerpt" href={`/@${status.account.acct}/${status.id}`} dangerouslySetInnerHTML={{ __html: status.content }} />}
                </>
              )}
            </li>
          );
        })}
      </ul>
    </>
  );
}

export function Search() {
  const q = route.value.searchParams.get("q") ?? "";
  const results = useSignal<{ accounts: Account[]; hashtags: Tag[]; statuses: Status[] } | null>(null);
  const error = useSignal<string | null>(null);
  useEffect(() => {
    results.value = null;
    if (!q) return;
    get<{ accounts: Account[]; hashtags: Tag[]; statuses: Status[] }>(`/api/v2/search?q=${encodeURIComponent(q)}&limit=20`).then(
      (r) => {
        rememberAll(r.statuses);
        results.value = r;
      },
      (e: Error) => (error.value = e.message),
    );
  }, [q]);
  const r = results.value;
  return (
    <>
      <Title text={t.search.label} />
      <SearchBox initial={q} />
      {!q && <p class="muted pad">{t.search.prompt}</p>}
      {error.value && <ErrorState message={error.value} />}
      {r && !r.accounts.length && !r.hashtags.length && !r.statuses.length && <p class="empty">{t.search.empty}</p>}
      {r && r.accounts.length > 0 && <section><h2>{t.search.accounts}</h2>{r.accounts.map((a) => <AccountRow account={a} key={a.id} />)}</section>}
      {r && r.hashtags.length > 0 && <section><h2>{t.search.hashtags}</h2><ul class="tags">{r.hashtags.map((h) => <li key={h.name}><a href={`/tags/${encodeURIComponent(h.name)}`}>#{h.name}</a></li>)}</ul></section>}
      {r && r.statuses.length > 0 && <section><h2>{t.search.statuses}</h2>{r.statuses.map((s) => <StatusCard id={s.id} key={s.id} />)}</section>}
    </>
  );
}

export function Explore() {
  const tags = useSignal<Tag[]>([]);
  const statuses = useSignal<string[]>([]);
  useEffect(() => {
    get<Tag[]>("/api/v1/trends/tags?limit=10").then((x) => (tags.value = x), failed);
    get<Status[]>("/api/v1/trends/statuses?limit=20").then((x) => (statuses.value = rememberAll(x)), failed);
  }, []);
  return (
    <>
      <Title text={t.explore.title} />
      <SearchBox />
      <Trends tags={tags.value} />
      <section><h2>{t.explore.trendingPosts}</h2>{statuses.value.map((id) => <StatusCard id={id} key={id} />)}</section>
    </>
  );
}

export function Bookmarks() {
  return <><Title text={t.bookmarks.title} /><Feed url="/api/v1/bookmarks?limit=20" empty={t.bookmarks.empty} /></>;
}
export function Favourites() {
  return <><Title text={t.favourites.title} /><Feed url="/api/v1/favourites?limit=20" empty={t.favourites.empty} /></>;
}

export function TagPage({ name }: { name: string }) {
  const tag = useSignal<Tag | null>(null);
  useEffect(() => {
    get<Tag>(`/api/v1/tags/${encodeURIComponent(name)}`).then((x) => (tag.value = x), () => undefined);
    return watchTag(name);
  }, [name]);
  const follow = async () => {
    const on = !tag.value?.following;
    try {
      tag.value = await post<Tag>(`/api/v1/tags/${encodeURIComponent(name)}/${on ? "follow" : "unfollow"}`);
    } catch (e) {
      failed(e);
    }
  };
  return (
    <>
      <Title text={`#${name}`} />
      {tag.value && <div class="pad"><button class={tag.value.following ? "" : "primary"} onClick={follow}>{tag.value.following ? t.tag.unfollow : t.tag.follow}</button></div>}
      <Feed url={`/api/v1/timelines/tag/${encodeURIComponent(name)}?limit=20`} live={(e) => e.stream[0] === "hashtag" && e.stream[1]?.toLowerCase() === name.toLowerCase()} />
    </>
  );
}

export function Profile({ acct, tab }: { acct: string; tab: "posts" | "replies" | "followers" | "following" }) {
  const account = useSignal<Account | null>(null);
  const rel = useSignal<Relationship | null>(null);
  const pinned = useSignal<string[]>([]);
  const error = useSignal<string | null>(null);
  const people = useSignal<Account[] | null>(null);
  const menu = useSignal(false);
  const listing = useSignal(false);
  useEffect(() => {
    account.value = null;
    error.value = null;
    get<Account>(`/api/v1/accounts/lookup?acct=${encodeURIComponent(acct)}`).then(
      async (a) => {
        account.value = a;
        get<Status[]>(`/api/v1/accounts/${a.id}/statuses?pinned=true`).then((s) => (pinned.value = rememberAll(s)), () => undefined);
      },
      (e: ApiError) => (error.value = e.status === 404 ? t.errors.notFound : e.message),
    );
  }, [acct]);
  useEffect(() => {
    const a = account.value;
    rel.value = null;
    if (a && me.value && me.value.id !== a.id) {
      get<Relationship[]>(`/api/v1/accounts/relationships?id[]=${a.id}`).then((r) => (rel.value = r[0] ?? null), () => undefined);
    }
  }, [account.value?.id, me.value?.id]);
  useEffect(() => {
    people.value = null;
    const a = account.value;
    if (a && (tab === "followers" || tab === "following")) get<Account[]>(`/api/v1/accounts/${a.id}/${tab}?limit=40`).then((x) => (people.value = x), failed);
  }, [account.value?.id, tab]);
  if (error.value) return <ErrorState message={error.value} />;
  const a = account.value;
  if (!a) return <p class="muted loading">{t.feed.loading}</p>;
  const follow = async () => {
    const before = rel.value;
    const on = !(before?.following || before?.requested);
    rel.value = before ? { ...before, following: on && !a.locked, requested: on && a.locked } : before;
    try {
      rel.value = await post<Relationship>(`/api/v1/accounts/${a.id}/${on ? "follow" : "unfollow"}`);
      account.value = { ...a, followers_count: Math.max(0, a.followers_count + (rel.value.following ? 1 : before?.following ? -1 : 0)) };
      if (rel.value.requested) toast(t.profile.followRequest);
    } catch (e) {
      rel.value = before;
      failed(e);
    }
  };
  // A follow's options (Mastodon's `notify`, `reblogs`): following again changes them.
  const setOption = async (option: { notify?: boolean; reblogs?: boolean }) => {
    const before = rel.value;
    if (before) rel.value = { ...before, notifying: option.notify ?? before.notifying, showing_reblogs: option.reblogs ?? before.showing_reblogs };
    try {
      rel.value = await post<Relationship>(`/api/v1/accounts/${a.id}/follow`, option);
    } catch (e) {
      rel.value = before;
      failed(e);
    }
  };
  const base = profilePath(a);
  return (
    <>
      <Title text={a.display_name || a.username} />
      <div class="profile">
        <div class="header-image">{a.header && !a.header.endsWith("missing.png") && <img src={a.header} alt="" />}</div>
        <div class="profile-top">
          <Avatar account={a} size={88} />
          {me.value?.id === a.id ? <a class="button" href="/settings">{t.profile.edit}</a> : rel.value && (
            <span class="profile-actions">
              <span class="menu-wrap">
                <button class="icon" aria-label={t.safety.profileMenu} aria-haspopup="menu" aria-expanded={menu.value} onClick={() => (menu.value = !menu.value)}><Icon name="more" /></button>
                {menu.value && (
                  <div class="menu" role="menu" onKeyDown={(e) => e.key === "Escape" && (menu.value = false)}>
                    <button role="menuitem" onClick={async () => { menu.value = false; rel.value = (await setMute(a, !rel.value?.muting)) ?? rel.value; }}>{rel.value.muting ? t.safety.unmute : t.safety.mute(a.acct)}</button>
                    <button role="menuitem" class="danger" onClick={async () => { menu.value = false; rel.value = (await setBlock(a, !rel.value?.blocking)) ?? rel.value; }}>{rel.value.blocking ? t.safety.unblock : t.safety.block(a.acct)}</button>
                    {rel.value.following && <button role="menuitem" onClick={() => { menu.value = false; void setOption({ reblogs: !rel.value?.showing_reblogs }); }}>{rel.value.showing_reblogs ? t.profile.hideBoosts(a.acct) : t.profile.showBoosts(a.acct)}</button>}
                    <button role="menuitem" onClick={() => { menu.value = false; listing.value = true; }}>{t.lists.manage(a.acct)}</button>
                    <button role="menuitem" class="danger" onClick={() => { menu.value = false; openReport(a); }}>{t.safety.report(a.acct)}</button>
                  </div>
                )}
              </span>
              {rel.value.following && (
                <button class="icon" aria-pressed={!!rel.value.notifying} aria-label={rel.value.notifying ? t.profile.notifyOff(a.acct) : t.profile.notify(a.acct)} title={rel.value.notifying ? t.profile.notifyOff(a.acct) : t.profile.notify(a.acct)} onClick={() => void setOption({ notify: !rel.value?.notifying })}><Icon name="bell" /></button>
              )}
              {!rel.value.blocking && (
                <button class={rel.value.following || rel.value.requested ? "" : "primary"} onClick={follow}>
                  {rel.value.following ? t.profile.unfollow : rel.value.requested ? t.profile.requested : t.profile.follow}
                </button>
              )}
            </span>
          )}
        </div>
        {listing.value && <ListMembership account={a} onClose={() => (listing.value = false)} />}
        <h2 class="display">{a.display_name || a.username} {a.locked && <span title={t.profile.locked} role="img" aria-label={t.profile.locked}><Icon name="lock" size={16} /></span>}</h2>
        <p class="acct">@{a.acct} {rel.value?.followed_by && <span class="badge">{t.profile.followsYou}</span>}</p>
        <div class="note" dangerouslySetInnerHTML={{ __html: a.note }} />
        {a.fields.length > 0 && <dl class="fields">{a.fields.map((f) => <div key={f.name}><dt>{f.name}</dt><dd dangerouslySetInnerHTML={{ __html: f.value }} /></div>)}</dl>}
        <p class="muted">{t.profile.joined(new Date(a.created_at).toLocaleDateString(undefined, { month: "long", year: "numeric" }))}</p>
        <p class="counts">
          <a href={base}><b>{a.statuses_count}</b> {t.profile.posts}</a>
          <a href={`${base}/following`}><b>{a.following_count}</b> {t.profile.following}</a>
          <a href={`${base}/followers`}><b>{a.followers_count}</b> {t.profile.followers}</a>
        </p>
      </div>
      <div class="tabs" role="tablist">
        <a role="tab" aria-selected={tab === "posts"} href={base}>{t.profile.posts}</a>
        <a role="tab" aria-selected={tab === "replies"} href={`${base}/with_replies`}>{t.profile.withReplies}</a>
        <a role="tab" aria-selected={tab === "following"} href={`${base}/following`}>{t.profile.following}</a>
        <a role="tab" aria-selected={tab === "followers"} href={`${base}/followers`}>{t.profile.followers}</a>
      </div>
      {(tab === "followers" || tab === "following") ? (
        people.value === null ? <p class="muted loading">{t.feed.loading}</p> : people.value.length === 0 ? <p class="empty">{t.feed.empty}</p> : people.value.map((p) => <AccountRow account={p} key={p.id} />)
      ) : (
        <>
          {tab === "posts" && pinned.value.map((id) => <StatusCard id={id} key={`pin-${id}`} pinned />)}
          <Feed url={`/api/v1/accounts/${a.id}/statuses?limit=20${tab === "posts" ? "&exclude_replies=true" : ""}`} />
        </>
      )}
    </>
  );
}

export function Thread({ id }: { id: string }) {
  const ancestors = useSignal<string[]>([]);
  const descendants = useSignal<string[]>([]);
  const found = useSignal(false);
  const error = useSignal<string | null>(null);
  const load = async () => {
    try {
      remember(await get<Status>(`/api/v1/statuses/${id}`));
      found.value = true;
      const c = await get<{ ancestors: Status[]; descendants: Status[] }>(`/api/v1/statuses/${id}/context`);
      ancestors.value = rememberAll(c.ancestors);
      descendants.value = rememberAll(c.descendants);
    } catch (e) {
      error.value = e instanceof ApiError && e.status === 404 ? t.errors.notFound : (e as Error).message;
    }
  };
  useEffect(() => {
    found.value = false;
    error.value = null;
    void load();
    return onStream((e) => {
      if (e.event === "update" && (e.payload as Status).in_reply_to_id) void load();
    });
  }, [id]);
  useEffect(() => {
    if (found.value) document.querySelector<HTMLElement>(`.status.focused`)?.scrollIntoView({ block: "center" });
  }, [found.value]);
  if (error.value) return <ErrorState message={error.value} />;
  return (
    <>
      <Title text={t.thread.title} />
      <div class="thread">
        {ancestors.value.map((x) => <StatusCard id={x} key={x} />)}
        {found.value && <StatusCard id={id} focused />}
        {descendants.value.map((x) => <StatusCard id={x} key={x} />)}
      </div>
    </>
  );
}

// A live stream's poster in the list; its animated preview while pointed at or focused, unless
// the reader asked for less motion.
function LivePoster({ stream }: { stream: LiveStream }) {
  const moving = useSignal(false);
  const still = !stream.preview_url || matchMedia("(prefers-reduced-motion: reduce)").matches;
  const src = moving.value && !still ? stream.preview_url : stream.poster_url;
  return (
    <a class="live-poster" href={`/live/${stream.id}`} tabIndex={-1} aria-hidden="true"
      onMouseEnter={() => (moving.value = true)} onMouseLeave={() => (moving.value = false)}>
      <img src={src ?? undefined} alt="" width={128} height={72} loading="lazy" />
    </a>
  );
}

export function LiveNow() {
  const streams = useSignal<LiveStream[] | null>(null);
  useEffect(() => {
    const load = () => get<LiveStream[]>("/api/v1/chirp/streams?scope=following").then((x) => (streams.value = x), (e) => { streams.value ??= []; failed(e); });
    void load();
    const every = setInterval(load, 30_000); // who is live changes while the list is open
    return () => clearInterval(every);
  }, []);
  return (
    <>
      <Title text={t.live.title} />
      <p class="pad"><a class="button primary" href="/live/studio">{t.live.studio}</a></p>
      {streams.value?.length === 0 && <p class="empty">{t.live.none}</p>}
      <ul class="live-list">
        {streams.value?.map((s) => (
          <li key={s.id}>{s.poster_url ? <LivePoster stream={s} /> : <Avatar account={s.account} size={40} />} <div><b>{s.title || s.account.display_name}</b> <Name account={s.account} />{s.viewers_count !== undefined && <span class="muted"> · {t.live.viewers(s.viewers_count)}</span>}</div><a class="button" href={`/live/${s.id}`}>{t.live.watch}</a></li>
        ))}
      </ul>
    </>
  );
}

export function Settings() {
  const a = me.value;
  const busy = useSignal(false);
  if (!a) return <p class="muted loading">{t.feed.loading}</p>;
  const fields = [...(a.source?.fields ?? a.fields), ...Array(4).fill({ name: "", value: "" })].slice(0, 4) as { name: string; value: string }[];
  const save = async (e: Event) => {
    e.preventDefault();
    busy.value = true;
    const form = new FormData(e.currentTarget as HTMLFormElement);
    for (const key of ["avatar", "header"]) if (!(form.get(key) as File | null)?.size) form.delete(key);
    form.set("locked", form.get("locked") ? "true" : "false");
    form.set("source[sensitive]", form.get("source[sensitive]") ? "true" : "false");
    try {
      const { data } = await request<Account>("PATCH", "/api/v1/accounts/update_credentials", form);
      me.value = data;
      toast(t.settings.saved);
    } catch (error) {
      failed(error);
    } finally {
      busy.value = false;
    }
  };
  return (
    <>
      <Title text={t.settings.title} />
      <nav class="mobile-more" aria-label={t.nav.more}>
        <a class="button" href="/bookmarks">{t.nav.bookmarks}</a>
        <a class="button" href="/favourites">{t.nav.favourites}</a>
        <a class="button" href="/live-now">{t.nav.live}</a>
        <a class="button" href="/search">{t.nav.search}</a>
        <a class="button" href="/lists">{t.nav.lists}</a>
      </nav>
      {a.locked && <p class="pad"><a class="button" href="/follow_requests">{t.followRequests.title}</a></p>}
      <p class="pad"><a class="button" href="/settings/blocks">{t.safety.blockedTitle}</a> <a class="button" href="/settings/mutes">{t.safety.mutedTitle}</a> <a class="button" href="/settings/sessions">{t.sessions.title}</a></p>
      <form class="settings" onSubmit={save}>
        <h2>{t.settings.profile}</h2>
        <label>{t.settings.displayName}<input name="display_name" value={a.display_name} maxLength={30} /></label>
        <label>{t.settings.bio}<textarea name="note" rows={3} maxLength={500} value={a.source?.note ?? ""} /></label>
        <label>{t.settings.avatar}<input type="file" name="avatar" accept="image/*" /></label>
        <label>{t.settings.header}<input type="file" name="header" accept="image/*" /></label>
        <fieldset><legend>{t.settings.fields}</legend>
          {fields.map((f, i) => (
            <div class="field-row" key={i}>
              <input name={`fields_attributes[${i}][name]`} value={f.name} placeholder={t.settings.fieldName} aria-label={`${t.settings.fieldName} ${i + 1}`} maxLength={255} />
              <input name={`fields_attributes[${i}][value]`} value={f.value.replace(/<[^>]+>/g, "")} placeholder={t.settings.fieldValue} aria-label={`${t.settings.fieldValue} ${i + 1}`} maxLength={255} />
            </div>
          ))}
        </fieldset>
        <label class="check"><input type="checkbox" name="locked" checked={a.locked} /> {t.settings.locked}</label>
        <h2>{t.settings.defaults}</h2>
        <label>{t.settings.defaultVisibility}
          <select name="source[privacy]" value={a.source?.privacy ?? "public"}>
            {(["public", "unlisted", "private", "direct"] as const).map((v) => <option value={v} key={v}>{t.status.visibility[v]}</option>)}
          </select>
        </label>
        <label class="check"><input type="checkbox" name="source[sensitive]" checked={a.source?.sensitive ?? false} /> {t.settings.defaultSensitive}</label>
        <button class="primary" type="submit" disabled={busy.value}>{t.settings.save}</button>
      </form>
      <section class="settings">
        <h2>{t.settings.account}</h2>
        <button type="button" class="danger" onClick={() => void logOut().then(() => location.assign("/"))}>{t.settings.signOut}</button>
      </section>
    </>
  );
}

export function Welcome({ mode }: { mode: "login" | "signup" }) {
  const busy = useSignal(false);
  const error = useSignal<string | null>(null);
  const login = async () => {
    busy.value = true;
    try {
      await startLogin();
    } catch (e) {
      error.value = (e as Error).message;
      busy.value = false;
    }
  };
  const register = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    busy.value = true;
    error.value = null;
    try {
      await signUp(String(form.get("username")), String(form.get("email")), String(form.get("password")));
      navigate("/home", true);
    } catch (err) {
      error.value = (err as Error).message;
    } finally {
      busy.value = false;
    }
  };
  return (
    <main class="welcome">
      <h1>{t.appName}</h1>
      <p>{t.auth.welcome}</p>
      {error.value && <p class="error" role="alert">{error.value}</p>}
      {mode === "login" ? (
        <>
          <button class="primary big" onClick={login} disabled={busy.value}>{busy.value ? t.auth.signingIn : t.auth.signIn}</button>
          <p>{t.auth.noAccount} <a href="/signup">{t.auth.signUp}</a></p>
        </>
      ) : (
        <form class="settings" onSubmit={register}>
          <label>{t.auth.username}<input name="username" required autocomplete="username" pattern="[A-Za-z0-9_]+" maxLength={30} /></label>
          <label>{t.auth.email}<input name="email" type="email" required autocomplete="email" /></label>
          <label>{t.auth.password}<input name="password" type="password" required minLength={8} autocomplete="new-password" placeholder={t.auth.passwordHint} /></label>
          <label class="check"><input type="checkbox" name="agreement" required /> {t.auth.agreement}</label>
          <button class="primary big" type="submit" disabled={busy.value}>{t.auth.signUp}</button>
          <p>{t.auth.haveAccount} <a href="/login">{t.auth.signIn}</a></p>
        </form>
      )}
      <p><a href="/" data-public>{t.auth.publicPages}</a></p>
    </main>
  );
}

export function Callback() {
  const error = useSignal<string | null>(null);
  useEffect(() => {
    finishLogin(route.value.searchParams).then((to) => navigate(to, true), (e: Error) => (error.value = t.errors.signInFailed(e.message)));
  }, []);
  return <main class="welcome">{error.value ? <><p class="error" role="alert">{error.value}</p><a href="/login">{t.auth.signIn}</a></> : <p>{t.auth.signingIn}</p>}</main>;
}

export function unreadLabel(): string {
  return unread.value ? t.notifications.unread(unread.value) : "";
}

export function FollowRequests() {
  const people = useSignal<Account[] | null>(null);
  useEffect(() => {
    get<Account[]>("/api/v1/follow_requests?limit=40").then((x) => (people.value = x), (e) => { people.value = []; failed(e); });
  }, []);
  const answer = async (a: Account, verb: "authorize" | "reject") => {
    try {
      await post(`/api/v1/follow_requests/${a.id}/${verb}`);
      people.value = (people.value ?? []).filter((p) => p.id !== a.id);
      toast(verb === "authorize" ? t.followRequests.accepted : t.followRequests.rejected);
    } catch (e) {
      failed(e);
    }
  };
  return (
    <>
      <Title text={t.followRequests.title} />
      {people.value?.length === 0 && <p class="empty">{t.followRequests.empty}</p>}
      {people.value?.map((a) => (
        <div class="request" key={a.id}>
          <AccountRow account={a} />
          <div class="pad">
            <button class="primary" onClick={() => void answer(a, "authorize")}>{t.followRequests.accept}</button>{" "}
            <button onClick={() => void answer(a, "reject")}>{t.followRequests.reject}</button>
          </div>
        </div>
      ))}
    </>
  );
}
