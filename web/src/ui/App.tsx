import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { online, token } from "../api";
import { logOut } from "../auth";
import { t } from "../i18n";
import { countLive, loadUnread, unread } from "../notifications";
import { navigate, route } from "../router";
import { forgetStatus, loadMe, me, remember, toasts, applyCounts } from "../store";
import { connect, disconnect, onStream, reconnecting } from "../stream";
import type { Status } from "../types";
import { ComposeModal } from "./Compose";
import { composing, openCompose } from "./compose-state";
import { Lightbox } from "./Lightbox";
import { Home, SearchBox, SideTrends } from "./home";
import { Avatar } from "./Status";
import { Icon, type IconName } from "./icons";
import { lazy } from "./lazy";
import { ReportDialog, ShunnedList } from "./Safety";

const Watch = lazy(() => import("./Watch").then((m) => m.Watch));
const screens = () => import("./screens");
const S = {
  Callback: lazy(() => screens().then((m) => m.Callback)),
  Welcome: lazy(() => screens().then((m) => m.Welcome)),
  Notifications: lazy(() => screens().then((m) => m.Notifications)),
  Search: lazy(() => screens().then((m) => m.Search)),
  Explore: lazy(() => screens().then((m) => m.Explore)),
  Bookmarks: lazy(() => screens().then((m) => m.Bookmarks)),
  Favourites: lazy(() => screens().then((m) => m.Favourites)),
  Settings: lazy(() => screens().then((m) => m.Settings)),
  LiveNow: lazy(() => screens().then((m) => m.LiveNow)),
  FollowRequests: lazy(() => screens().then((m) => m.FollowRequests)),
  TagPage: lazy(() => screens().then((m) => m.TagPage)),
  Thread: lazy(() => screens().then((m) => m.Thread)),
  Profile: lazy(() => screens().then((m) => m.Profile)),
  Lists: lazy(() => import("./Lists").then((m) => m.Lists)),
  ListPage: lazy(() => import("./Lists").then((m) => m.ListPage)),
  Sessions: lazy(() => import("./Sessions").then((m) => m.Sessions)),
};
// Fetched once the first screen is up, so moving to another screen needs no round trip.
// A failure (offline) is no error: the screen asks again when it is shown.
const prefetch = () => void screens().catch(() => undefined);
if ("requestIdleCallback" in window) requestIdleCallback(prefetch);
else setTimeout(prefetch, 1000);

function Screen() {
  const url = route.value;
  const path = decodeURIComponent(url.pathname);
  if (path === "/oauth-callback") return <S.Callback />;
  if (!token.value) return <S.Welcome mode={path === "/signup" ? "signup" : "login"} />;
  if (path === "/" || path === "/home" || path === "/app" || path === "/login" || path === "/signup") return <Home />;
  if (path === "/notifications") return <S.Notifications />;
  if (path === "/search") return <S.Search />;
  if (path === "/explore") return <S.Explore />;
  if (path === "/bookmarks") return <S.Bookmarks />;
  if (path === "/favourites") return <S.Favourites />;
  if (path === "/settings") return <S.Settings />;
  if (path === "/settings/blocks") return <ShunnedList kind="blocks" />;
  if (path === "/settings/mutes") return <ShunnedList kind="mutes" />;
  if (path === "/settings/sessions") return <S.Sessions />;
  if (path === "/live-now") return <S.LiveNow />;
  if (path === "/follow_requests") return <S.FollowRequests />;
  if (path === "/compose") return <Home />;
  if (path === "/lists") return <S.Lists />;
  const list = /^\/lists\/(\d+)$/.exec(path);
  if (list) return <S.ListPage id={list[1]!} />;
  const live = /^\/live\/(\d+)$/.exec(path);
  if (live) return <Watch id={live[1]!} />;
  const tag = /^\/tags\/([^/]+)$/.exec(path);
  if (tag) return <S.TagPage name={tag[1]!} />;
  const profile = /^\/@([^/]+)(?:\/(with_replies|followers|following|\d+))?$/.exec(path);
  if (profile) {
    const [, acct, rest] = profile;
    if (rest && /^\d+$/.test(rest)) return <S.Thread id={rest} />;
    const tab = rest === "with_replies" ? "replies" : rest === "followers" || rest === "following" ? rest : "posts";
    return <S.Profile acct={acct!} tab={tab} />;
  }
  return <p class="empty">{t.errors.notFound}</p>;
}

function NavLink({ href, label, icon, badge = 0 }: { href: string; label: string; icon: IconName; badge?: number }) {
  const path = route.value.pathname;
  const current = path === href || (href === "/home" && path === "/");
  return (
    <a href={href} class={`nav-link${current ? " current" : ""}`} aria-current={current ? "page" : undefined} aria-label={badge ? `${label} ${t.notifications.unread(badge)}` : label}>
      <span class="nav-icon" aria-hidden="true"><Icon name={icon} filled={current && icon !== "hash" && icon !== "search"} size={24} /></span>
      <span class="nav-label">{label}</span>
      {/* After the label, drawn over the icon: the visible text reads in the name's order. */}
      {badge > 0 && " "}
      {badge > 0 && <span class="badge-dot">{badge > 99 ? "99+" : badge}</span>}
    </a>
  );
}

function Help({ onClose }: { onClose: () => void }) {
  return (
    <div class="modal" role="dialog" aria-modal="true" aria-label={t.help.title} onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div class="sheet">
        <header><h2>{t.help.title}</h2><button class="icon" autoFocus onClick={onClose} aria-label={t.compose.close}><Icon name="close" /></button></header>
        <dl class="keys">{t.help.keys.map(([k, v]) => <div key={k}><dt><kbd>{k}</kbd></dt><dd>{v}</dd></div>)}</dl>
      </div>
    </div>
  );
}

/** j/k move between tweets, n composes, l/r/t act on the focused one, ? shows the list. */
function useShortcuts(help: { value: boolean }) {
  useEffect(() => {
    let pendingG = false;
    const key = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement;
      if (e.ctrlKey || e.metaKey || e.altKey || el.closest("input,textarea,select,[contenteditable]") || composing.value) return;
      const cards = [...document.querySelectorAll<HTMLElement>("main article.status")];
      const current = document.activeElement?.closest<HTMLElement>("article.status") ?? null;
      const index = current ? cards.indexOf(current) : -1;
      const press = (selector: string) => current?.querySelector<HTMLElement>(selector)?.click();
      if (pendingG) {
        pendingG = false;
        if (e.key === "h") navigate("/home");
        if (e.key === "n") navigate("/notifications");
        return;
      }
      switch (e.key) {
        case "j": cards[Math.min(cards.length - 1, index + 1)]?.focus(); break;
        case "k": cards[Math.max(0, index - 1)]?.focus(); break;
        case "n": e.preventDefault(); openCompose(); break;
        case "l": press(".act.like"); break;
        case "r": e.preventDefault(); press(".act.reply"); break;
        case "t": press(".act.retweet"); break;
        case "o": case "Enter": if (current && e.target === current) press("a.time"); break;
        case "/": e.preventDefault(); navigate("/search"); setTimeout(() => document.querySelector<HTMLInputElement>("input[type=search]")?.focus()); break;
        case "g": pendingG = true; break;
        case "?": help.value = true; break;
        case "Escape": help.value = false; break;
        default: return;
      }
    };
    addEventListener("keydown", key);
    return () => removeEventListener("keydown", key);
  }, []);
}

export function App() {
  const help = useSignal(false);
  useShortcuts(help);
  useEffect(() => {
    if (!token.value) return;
    void loadMe();
    void loadUnread();
    connect();
    const stopCount = countLive(() => route.value.pathname === "/notifications");
    const stop = onStream((e) => {
      if (e.event === "delete") forgetStatus(String(e.payload));
      if (e.event === "status.update") remember(e.payload as Status);
      if (e.event === "status.counts") applyCounts(e.payload as Parameters<typeof applyCounts>[0]);
    });
    return () => {
      stop();
      stopCount();
      disconnect();
    };
  }, [token.value]);
  if (!token.value) return <><Screen /><Toasts /></>;
  return (
    <div class="layout">
      <a class="skip" href="#main">{t.nav.skip}</a>
      <nav class="sidebar" aria-label={t.nav.main}>
        <a class="brand" href="/home" aria-label={t.appName}><Icon name="logo" filled size={30} /></a>
        <NavLink href="/home" label={t.nav.home} icon="home" />
        <NavLink href="/explore" label={t.nav.explore} icon="hash" />
        <NavLink href="/notifications" label={t.nav.notifications} icon="bell" badge={unread.value} />
        <NavLink href="/search" label={t.nav.search} icon="search" />
        <NavLink href="/bookmarks" label={t.nav.bookmarks} icon="bookmark" />
        <NavLink href="/favourites" label={t.nav.favourites} icon="heart" />
        <NavLink href="/live-now" label={t.nav.live} icon="live" />
        <NavLink href="/lists" label={t.nav.lists} icon="list" />
        {me.value && <NavLink href={`/@${me.value.acct}`} label={t.nav.profile} icon="user" />}
        <NavLink href="/settings" label={t.nav.settings} icon="settings" />
        <button class="primary compose-button" onClick={() => openCompose()} aria-label={t.nav.compose}><span aria-hidden="true"><Icon name="compose" size={24} /></span><span class="nav-label">{t.nav.compose}</span></button>
        {me.value && (
          <button class="me" onClick={() => void logOut().then(() => location.assign("/"))} aria-label={t.nav.signOut} title={t.nav.signOut}>
            <Avatar account={me.value} size={32} /><span class="nav-label">{t.nav.signOut}</span>
          </button>
        )}
      </nav>
      <main id="main" tabIndex={-1}>
        {!online.value ? <p class="banner" role="status">{t.banner.offline}</p> : reconnecting.value && <p class="banner quiet" role="status">{t.banner.reconnecting}</p>}
        <Screen />
      </main>
      <aside class="side">
        <SearchBox />
        <SideTrends />
        <p class="muted"><button class="link" onClick={() => (help.value = true)}>{t.help.open}</button></p>
      </aside>
      {composing.value && <ComposeModal target={composing.value} />}
      {help.value && <Help onClose={() => (help.value = false)} />}
      <Lightbox />
      <ReportDialog />
      <Toasts />
    </div>
  );
}

function Toasts() {
  return (
    <div class="toasts" role="status" aria-live="polite">
      {toasts.value.map((x) => <p key={x.id} class={`toast${x.error ? " error" : ""}`} role={x.error ? "alert" : undefined}>{x.text}</p>)}
    </div>
  );
}
