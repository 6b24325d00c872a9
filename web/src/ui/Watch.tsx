import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { ApiError, get, post, request } from "../api";
import { t } from "../i18n";
import { compareIds } from "../position";
import { failed, me } from "../store";
import { onStream, sendChat, watchLive } from "../stream";
import type { Account, LiveStream } from "../types";
import { Avatar, Name } from "./Status";

// A live stream inside the app: the player (hls.js, loaded only here and only where the
// browser has Media Source Extensions; Safari plays HLS itself), the viewer count, and the
// chat on the tab's one socket (`chirp:live`), as the standalone watch page does.

interface ChatMessage { id: string; content: string; account: Account }
interface HlsPlayer { loadSource(url: string): void; attachMedia(video: HTMLVideoElement): void; destroy(): void }
type HlsClass = { new (config: Record<string, unknown>): HlsPlayer; isSupported(): boolean };

const HEARTBEAT_MS = 10_000;
const CHAT_KEEP = 200;
let hlsScript: Promise<HlsClass | null> | null = null;

/** The same hls.js build the watch page uses, served by Chirp (no CDN: the CSP allows 'self'). */
function loadHls(): Promise<HlsClass | null> {
  hlsScript ??= new Promise((resolve) => {
    const script = document.createElement("script");
    script.src = "/static/live/hls.min.js";
    script.onload = () => resolve((window as unknown as { Hls?: HlsClass }).Hls ?? null);
    script.onerror = () => resolve(null);
    document.head.append(script);
  });
  return hlsScript;
}

function plainText(html: string): string {
  return new DOMParser().parseFromString(html, "text/html").body.textContent ?? "";
}

function usePlayer(video: { current: HTMLVideoElement | null }, url: string | null, problem: (m: string) => void) {
  useEffect(() => {
    const el = video.current;
    if (!el || !url) return;
    let player: HlsPlayer | null = null;
    let gone = false;
    el.muted = true; // autoplay is allowed muted; the viewer unmutes with the controls
    void loadHls().then((Hls) => {
      if (gone) return;
      if (Hls?.isSupported()) {
        player = new Hls({ enableWorker: false, liveSyncDurationCount: 1.5, liveMaxLatencyDurationCount: 5, maxLiveSyncPlaybackRate: 1.15, backBufferLength: 30 });
        player.attachMedia(el);
        player.loadSource(url);
      } else if (el.canPlayType("application/vnd.apple.mpegurl")) el.src = url;
      else return problem(t.watch.cannotPlay);
      el.play().catch(() => problem(t.watch.pressPlay));
    });
    return () => {
      gone = true;
      player?.destroy();
    };
  }, [url]);
}

export function Watch({ id }: { id: string }) {
  const stream = useSignal<LiveStream | null>(null);
  const error = useSignal<string | null>(null);
  const note = useSignal("");
  const messages = useSignal<ChatMessage[]>([]);
  const draft = useSignal("");
  const viewers = useSignal<number | null>(null);
  const video = useRef<HTMLVideoElement>(null);
  const list = useRef<HTMLOListElement>(null);
  const api = `/api/v1/chirp/streams/${id}`;

  const add = (incoming: ChatMessage[]) => {
    const known = new Map(messages.value.map((m) => [m.id, m]));
    for (const m of incoming) if (m?.id) known.set(m.id, m);
    messages.value = [...known.values()].sort((a, b) => compareIds(a.id, b.id)).slice(-CHAT_KEEP);
  };
  const loadChat = () => get<ChatMessage[]>(`${api}/chat?limit=50`).then((recent) => add(recent), () => undefined);

  useEffect(() => {
    stream.value = null;
    error.value = null;
    messages.value = [];
    let retry: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const s = await get<LiveStream>(api);
        stream.value = s;
        viewers.value = s.state === "live" ? (s.viewers_count ?? null) : null;
        document.title = `${s.title || s.account.display_name || s.account.username} · ${t.appName}`;
        if (!s.playback_url && s.state !== "ended") retry = setTimeout(load, 5000); // not started yet
      } catch (e) {
        error.value = e instanceof ApiError && e.status === 404 ? t.watch.notFound : (e as Error).message;
      }
    };
    void load();
    void loadChat();
    const viewer = Math.random().toString(36).slice(2);
    const beat = setInterval(() => {
      if (stream.value?.state !== "live") return;
      post<{ viewers_count: number }>(`${api}/heartbeat`, { viewer }).then((r) => (viewers.value = r.viewers_count), () => undefined);
    }, HEARTBEAT_MS);
    const unwatch = watchLive(id);
    const stop = onStream((e) => {
      if (e.event === "chirp.live.resubscribed" || e.event === "chirp.reset") return void loadChat(); // fill what a drop missed
      if (e.stream[0] !== "chirp:live" || e.stream[1] !== id) return;
      const payload = e.payload as Record<string, unknown>;
      if (e.event === "stream.chat") add([payload as unknown as ChatMessage]);
      if (e.event === "stream.chat.delete") messages.value = messages.value.filter((m) => m.id !== String(e.payload));
      if (e.event === "stream.viewers") viewers.value = Number(payload.viewers_count);
      if (e.event === "stream.ended") stream.value = { ...(stream.value ?? (payload as unknown as LiveStream)), state: "ended" };
      if (e.event === "error") note.value = payload.retry_after ? t.watch.slowDown(Number(payload.retry_after)) : String(payload.error ?? "");
    });
    return () => {
      clearTimeout(retry);
      clearInterval(beat);
      unwatch();
      stop();
    };
  }, [id]);

  usePlayer(video, stream.value?.state === "live" ? (stream.value.playback_url ?? null) : null, (m) => (note.value = m));

  // Keep the newest line in view when the reader is at the bottom of the chat.
  useEffect(() => {
    const el = list.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 80) el.scrollTop = el.scrollHeight;
  }, [messages.value]);

  const send = async (e: Event) => {
    e.preventDefault();
    const text = draft.value.trim();
    if (!text) return;
    note.value = "";
    if (sendChat(id, text)) draft.value = "";
    else {
      try {
        add([await post<ChatMessage>(`${api}/chat`, { text })]);
        draft.value = "";
      } catch (error) {
        failed(error);
      }
    }
  };
  const remove = async (m: ChatMessage) => {
    try {
      await request("DELETE", `${api}/chat/${m.id}`);
      messages.value = messages.value.filter((x) => x.id !== m.id);
    } catch (error) {
      failed(error);
    }
  };

  if (error.value) return <><h1 class="page-title">{t.live.title}</h1><p class="empty" role="alert">{error.value}</p></>;
  const s = stream.value;
  if (!s) return <><h1 class="page-title">{t.live.title}</h1><p class="muted loading">{t.feed.loading}</p></>;
  const mine = me.value?.id === s.account.id;
  const state = s.state === "live" ? t.watch.live : s.state === "ended" ? t.watch.ended : t.watch.soon;
  return (
    <>
      <h1 class="page-title">{s.title || t.live.title}</h1>
      <div class="watch">
        <div class="player">
          {s.state === "live" ? <video ref={video} controls playsinline autoplay muted aria-label={t.watch.player(s.account.display_name || s.account.username)} /> : <p class="offair">{s.state === "ended" ? t.watch.over : t.watch.notYet}</p>}
        </div>
        <div class="watch-head">
          <Avatar account={s.account} size={40} />
          <div><Name account={s.account} /><p class="muted"><span class={`state ${s.state}`}>{state}</span>{viewers.value !== null && <> · {t.live.viewers(viewers.value)}</>}</p></div>
          {mine && <a class="button" href="/live/studio">{t.live.studio}</a>}
        </div>
        <section class="chat" aria-label={t.watch.chat}>
          <h2>{t.watch.chat}</h2>
          <ol ref={list} class="messages" aria-live="polite">
            {messages.value.map((m) => (
              <li key={m.id} data-id={m.id}>
                <b class={m.account.id === s.account.id ? "streamer" : undefined} title={`@${m.account.acct}`}>{m.account.display_name || m.account.username}</b> {plainText(m.content)}
                {(mine || m.account.id === me.value?.id) && <button class="link" onClick={() => void remove(m)} aria-label={t.watch.deleteMessage}>{t.watch.delete}</button>}
              </li>
            ))}
          </ol>
          {note.value && <p class="muted" role="status">{note.value}</p>}
          {s.state === "ended" ? <p class="muted">{t.watch.chatClosed}</p> : (
            <form class="chat-form" onSubmit={send}>
              <input value={draft.value} onInput={(e) => (draft.value = e.currentTarget.value)} maxLength={500} placeholder={t.watch.say} aria-label={t.watch.say} />
              <button class="primary" type="submit" disabled={!draft.value.trim()}>{t.watch.send}</button>
            </form>
          )}
        </section>
      </div>
    </>
  );
}
