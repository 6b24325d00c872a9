import { signal, useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { get } from "../api";
import { t } from "../i18n";
import { navigate } from "../router";
import { deleteStatus, deleted, me, statusSignal, toast, toggle } from "../store";
import { watchCounts } from "../stream";
import { relativeTime } from "../time";
import type { Account, Attachment, Status, StatusEdit } from "../types";
import { openCompose } from "./compose-state";
import { openLightbox } from "./Lightbox";
import { Icon } from "./icons";
import { PollView } from "./Poll";
import { openReport, setBlock, setMute } from "./Safety";

// Live counters only for the tweets on screen: one `status` subscription per visible card,
// dropped when it scrolls away, so a long timeline costs the server nothing extra.
const watching = new Map<Element, () => void>();
const onScreen =
  typeof IntersectionObserver === "undefined"
    ? null
    : new IntersectionObserver(
        (entries) => {
          for (const entry of entries) {
            const id = (entry.target as HTMLElement).dataset.id;
            if (entry.isIntersecting && id && !watching.has(entry.target)) watching.set(entry.target, watchCounts(id));
            else if (!entry.isIntersecting) stopWatching(entry.target);
          }
        },
        { rootMargin: "200px" },
      );

function stopWatching(el: Element): void {
  watching.get(el)?.();
  watching.delete(el);
}

// Relative times move on while the page is open: every card on screen reads this clock.
const clock = signal(Date.now());
setInterval(() => (clock.value = Date.now()), 15_000);

export const profilePath = (a: Account) => `/@${a.acct}`;
export const statusPath = (s: Status) => `/@${s.account.acct}/${s.id}`;

export function Avatar({ account, size = 48 }: { account: Account; size?: number }) {
  return <img class="avatar" src={account.avatar_static || account.avatar} alt="" width={size} height={size} loading="lazy" decoding="async" />;
}

export function Name({ account }: { account: Account }) {
  return (
    <a class="name" href={profilePath(account)}>
      <bdi class="display">{account.display_name || account.username}</bdi> <span class="acct">@{account.acct}</span>
    </a>
  );
}

function Media({ items, sensitive }: { items: Attachment[]; sensitive: boolean }) {
  const shown = useSignal(!sensitive);
  if (!items.length) return null;
  if (!shown.value) return <button class="sensitive" onClick={() => (shown.value = true)}>{t.status.sensitive}</button>;
  return (
    <div class={`media n${Math.min(items.length, 4)}`}>
      {items.map((m, i) =>
        m.type === "video" || m.type === "gifv" ? (
          <video key={m.id} src={m.url ?? ""} poster={m.preview_url ?? undefined} controls={m.type === "video"} autoplay={m.type === "gifv"} loop={m.type === "gifv"} muted={m.type === "gifv"} playsinline preload="none" aria-label={m.description ?? undefined} />
        ) : (
          <button key={m.id} class="thumb" onClick={() => openLightbox(items, i)} aria-label={m.description || t.lightbox.label}>
            <img src={m.preview_url ?? m.url ?? ""} alt={m.description ?? ""} loading="lazy" decoding="async" width={m.meta?.small?.width} height={m.meta?.small?.height} />
          </button>
        ),
      )}
    </div>
  );
}

function Quote({ status }: { status: Status }) {
  const q = status.quote;
  if (!q) return null;
  if (!q.quoted_status) return <div class="quote unavailable">{t.status.quoteUnavailable}</div>;
  const s = q.quoted_status;
  return (
    <a class="quote" href={statusPath(s)}>
      <span class="quote-head"><Avatar account={s.account} size={20} /> <b>{s.account.display_name || s.account.username}</b> <span class="acct">@{s.account.acct}</span></span>
      {/* The server renders content once, escaping the text and linking only what it recognises. */}
      <div class="content" dangerouslySetInnerHTML={{ __html: s.content }} />
    </a>
  );
}

function History({ id, onClose }: { id: string; onClose: () => void }) {
  const edits = useSignal<StatusEdit[] | null>(null);
  useEffect(() => {
    get<StatusEdit[]>(`/api/v1/statuses/${id}/history`).then((h) => (edits.value = h.reverse()), () => (edits.value = []));
  }, [id]);
  return (
    <div class="modal" role="dialog" aria-modal="true" aria-label={t.status.history} onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div class="sheet">
        <header><h2>{t.status.history}</h2><button class="icon" onClick={onClose} aria-label={t.compose.close}><Icon name="close" /></button></header>
        {edits.value === null ? <p class="muted">{t.feed.loading}</p> : edits.value.map((e) => (
          <article class="edit" key={e.created_at}><time dateTime={e.created_at}>{new Date(e.created_at).toLocaleString()}</time>{e.spoiler_text && <p class="cw">{e.spoiler_text}</p>}<div class="content" dangerouslySetInnerHTML={{ __html: e.content }} /></article>
        ))}
      </div>
    </div>
  );
}

function count(n: number) {
  return n > 0 ? <span class="count">{n >= 10000 ? `${Math.round(n / 1000)}k` : n}</span> : null;
}

/** `position`: [place, count] in a feed (count -1 while more can load), for screen readers. */
export function StatusCard({ id, focused = false, pinned = false, position }: { id: string; focused?: boolean; pinned?: boolean; position?: [number, number] }) {
  const outer = statusSignal(id);
  const menu = useSignal(false);
  const history = useSignal(false);
  const open = useSignal(false);
  const shownId = outer?.value.reblog?.id ?? id;
  const article = useRef<HTMLElement>(null);
  useEffect(() => {
    const el = article.current;
    if (!el || !onScreen) return;
    onScreen.observe(el);
    return () => {
      onScreen.unobserve(el);
      stopWatching(el);
    };
  }, [shownId, !!outer && !deleted.value.has(id)]);
  if (!outer || deleted.value.has(id)) return null;
  const wrapper = outer.value;
  const s = statusSignal(wrapper.reblog?.id ?? id)?.value ?? wrapper;
  if (deleted.value.has(s.id)) return null;
  const mine = me.value?.id === s.account.id;
  const share = async () => {
    const url = s.url ?? location.origin + statusPath(s);
    menu.value = false;
    if (navigator.share) await navigator.share({ url }).catch(() => undefined);
    else await navigator.clipboard?.writeText(url).then(() => toast(t.status.copied));
  };
  const cw = s.spoiler_text;
  const openThread = (e: MouseEvent) => {
    const target = e.target as HTMLElement;
    if (focused || target.closest("a,button,video,summary,.media")) return;
    if (window.getSelection()?.toString()) return;
    navigate(statusPath(s));
  };
  return (
    <article ref={article} class={`status${focused ? " focused" : ""}${menu.value ? " menu-open" : ""}`} tabIndex={0} data-id={s.id} aria-posinset={position?.[0]} aria-setsize={position?.[1]} aria-label={`${s.account.display_name || s.account.username}: ${s.spoiler_text || s.content.replace(/<[^>]+>/g, " ").slice(0, 140)}`} onClick={openThread}>
      {wrapper.reblog && <p class="context"><Icon name="retweet" size={14} /> <a href={profilePath(wrapper.account)}>{t.status.retweetedBy(wrapper.account.display_name || wrapper.account.username)}</a></p>}
      {pinned && <p class="context"><Icon name="pin" size={14} /> {t.status.pinned}</p>}
      <div class="row">
        <a href={profilePath(s.account)} class="avatar-link" tabIndex={-1} aria-hidden="true"><Avatar account={s.account} /></a>
        <div class="body">
          <header>
            <Name account={s.account} />
            <a class="time" href={statusPath(s)}><time dateTime={s.created_at} title={new Date(s.created_at).toLocaleString()}>{relativeTime(s.created_at, clock.value)}</time></a>
            {s.edited_at && <button class="link edited" onClick={() => (history.value = true)}>{t.status.edited}</button>}
          </header>
          {cw ? (
            <details open={open.value} onToggle={(e) => (open.value = (e.currentTarget as HTMLDetailsElement).open)}>
              <summary class="cw">{cw} <span class="link">{open.value ? t.status.showLess : t.status.showMore}</span></summary>
              <div class="content" dangerouslySetInnerHTML={{ __html: s.content }} />
              <Media items={s.media_attachments} sensitive={false} />
            </details>
          ) : (
            <>
              <div class="content" dangerouslySetInnerHTML={{ __html: s.content }} />
              <Media items={s.media_attachments} sensitive={s.sensitive} />
            </>
          )}
          {s.poll && <PollView status={s} />}
          <Quote status={s} />
          {focused && <p class="muted full-time">{new Date(s.created_at).toLocaleString()} · {t.status.visibility[s.visibility]}</p>}
          <footer class="actions" aria-label={t.status.counts(s.replies_count, s.reblogs_count, s.favourites_count)}>
            <button class="act reply" aria-label={t.status.reply} title={t.status.reply} onClick={() => openCompose({ replyTo: s })}><Icon name="reply" />{count(s.replies_count)}</button>
            <button class={`act retweet${s.reblogged ? " on" : ""}`} aria-pressed={!!s.reblogged} aria-label={s.reblogged ? t.status.undoRetweet : t.status.retweet} title={t.status.retweet} disabled={s.visibility === "private" || s.visibility === "direct"} onClick={() => toggle(s.id, "reblogged")}><Icon name="retweet" />{count(s.reblogs_count)}</button>
            <button class="act quote-btn" aria-label={t.status.quote} title={t.status.quote} disabled={s.visibility !== "public" && s.visibility !== "unlisted"} onClick={() => openCompose({ quote: s })}><Icon name="quote" />{count(s.quotes_count ?? 0)}</button>
            <button class={`act like${s.favourited ? " on" : ""}`} aria-pressed={!!s.favourited} aria-label={s.favourited ? t.status.unlike : t.status.like} title={t.status.like} onClick={() => toggle(s.id, "favourited")}><Icon name="heart" filled={!!s.favourited} />{count(s.favourites_count)}</button>
            <button class={`act bookmark${s.bookmarked ? " on" : ""}`} aria-pressed={!!s.bookmarked} aria-label={s.bookmarked ? t.status.unbookmark : t.status.bookmark} title={t.status.bookmark} onClick={() => toggle(s.id, "bookmarked")}><Icon name="bookmark" filled={!!s.bookmarked} /></button>
            <span class="menu-wrap">
              <button class="act" aria-label={t.status.more} aria-haspopup="menu" aria-expanded={menu.value} onClick={() => (menu.value = !menu.value)}><Icon name="more" /></button>
              {menu.value && (
                <div class="menu" role="menu" onKeyDown={(e) => e.key === "Escape" && (menu.value = false)}>
                  <button role="menuitem" onClick={share}>{t.status.share}</button>
                  {mine && <button role="menuitem" onClick={() => { menu.value = false; openCompose({ edit: s }); }}>{t.status.edit}</button>}
                  {mine && (s.visibility === "public" || s.visibility === "unlisted") && <button role="menuitem" onClick={() => { menu.value = false; void toggle(s.id, "pinned"); }}>{s.pinned ? t.status.unpin : t.status.pin}</button>}
                  {mine && <button role="menuitem" class="danger" onClick={() => { menu.value = false; if (confirm(t.status.confirmDelete)) void deleteStatus(s.id); }}>{t.status.delete}</button>}
                  {!mine && me.value && <button role="menuitem" onClick={() => { menu.value = false; void setMute(s.account, true); }}>{t.safety.mute(s.account.acct)}</button>}
                  {!mine && me.value && <button role="menuitem" class="danger" onClick={() => { menu.value = false; void setBlock(s.account, true); }}>{t.safety.block(s.account.acct)}</button>}
                  {!mine && me.value && <button role="menuitem" class="danger" onClick={() => { menu.value = false; openReport(s.account, s.id); }}>{t.safety.reportPost}</button>}
                </div>
              )}
            </span>
          </footer>
        </div>
      </div>
      {history.value && <History id={s.id} onClose={() => (history.value = false)} />}
    </article>
  );
}

export function AccountRow({ account }: { account: Account }) {
  return (
    <div class="account-row">
      <a href={profilePath(account)} tabIndex={-1} aria-hidden="true"><Avatar account={account} size={40} /></a>
      <div><Name account={account} /><div class="note" dangerouslySetInnerHTML={{ __html: account.note }} /></div>
    </div>
  );
}
