import { signal } from "@preact/signals";
import { token } from "./api";
import { StreamCursor } from "./position";

// One WebSocket per tab (Mastodon's streaming API) with the `user` stream, plus `status`
// subscriptions for the tweets on screen (Chirp's live counters) and a hashtag stream on a tag
// page. A dropped socket reconnects with backoff and the last event id: the server replays what
// was missed, or answers `chirp.reset`, and the listeners reload over REST.

export type StreamEvent = { event: string; payload: unknown; stream: string[] };
type Listener = (e: StreamEvent) => void;

export const connected = signal(false);
/** A socket that was open (or never opened) dropped and a retry is pending: worth a banner. */
export const reconnecting = signal(false);
// Also on the document, for tests and tools that wait for the live connection.
connected.subscribe((open) => (document.documentElement.dataset.stream = open ? "open" : "closed"));
const listeners = new Set<Listener>();
const cursor = new StreamCursor(sessionStorage.getItem("chirp.stream.last"));
const counted = new Map<string, number>(); // status id -> how many views show it
const tags = new Map<string, number>();
const lives = new Set<string>();
const lists = new Map<string, number>(); // live streams whose chat and viewer count this tab follows
let socket: WebSocket | null = null;
let retry = 0;
let timer: ReturnType<typeof setTimeout> | null = null;

export function onStream(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function dispatch(event: StreamEvent): void {
  for (const listener of listeners) listener(event);
}

function send(message: Record<string, string>): void {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

export function connect(): void {
  if (socket || !token.value) return;
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const query = new URLSearchParams({ stream: "user" });
  if (cursor.last) query.set("last_event_id", cursor.last);
  // Browsers cannot set headers on a WebSocket: the token travels as the subprotocol.
  const ws = new WebSocket(`${scheme}//${location.host}/api/v1/streaming?${query}`, [token.value]);
  socket = ws;
  ws.onopen = () => {
    retry = 0;
    connected.value = true;
    reconnecting.value = false;
    // With no position to resume from (nothing has arrived in this tab yet), what happened
    // before this socket subscribed cannot be replayed: a tweet that reached the home feed after
    // the page's REST read, and was pushed before now, would be missing until a reload. The
    // views reload their newest page over REST, as after `chirp.reset` (merged, not replaced).
    if (!cursor.last) dispatch({ event: "chirp.reset", payload: {}, stream: ["user"] });
    for (const id of counted.keys()) send({ type: "subscribe", stream: "status", id });
    for (const tag of tags.keys()) send({ type: "subscribe", stream: "hashtag", tag });
    for (const id of lives) send({ type: "subscribe", stream: "chirp:live", id });
    for (const list of lists.keys()) send({ type: "subscribe", stream: "list", list });
    if (lives.size) dispatch({ event: "chirp.live.resubscribed", payload: {}, stream: ["chirp:live"] });
  };
  ws.onmessage = (message) => {
    let frame: { event?: string; payload?: string; stream?: string[]; id?: string };
    try {
      frame = JSON.parse(String(message.data));
    } catch {
      return;
    }
    if (!frame.event || !cursor.accept(frame.id, (frame.stream ?? []).join(":"))) return;
    if (frame.id) sessionStorage.setItem("chirp.stream.last", frame.id);
    if (frame.event === "chirp.reset") {
      cursor.reset();
      sessionStorage.removeItem("chirp.stream.last");
    }
    let payload: unknown = frame.payload;
    // `delete` carries a bare id: parsed as JSON it would become a (rounded) number.
    if (typeof payload === "string" && frame.event !== "delete") {
      try {
        payload = JSON.parse(payload);
      } catch {
        /* not JSON: passed on as it came */
      }
    }
    dispatch({ event: frame.event, payload, stream: frame.stream ?? [] });
  };
  ws.onclose = (event) => {
    socket = null;
    connected.value = false;
    if (!token.value || event.code === 1008) return; // signed out or token revoked
    reconnecting.value = true;
    const delay = Math.min(30_000, 500 * 2 ** retry++) * (0.5 + Math.random() / 2);
    timer = setTimeout(connect, delay);
  };
}

export function disconnect(): void {
  if (timer) clearTimeout(timer);
  socket?.close();
  socket = null;
  reconnecting.value = false;
}

/** A subscription shared by every view that needs it: sent with the first, dropped with the last. */
function shared(held: Map<string, number>, key: string, frame: Record<string, string>): () => void {
  const n = held.get(key) ?? 0;
  held.set(key, n + 1);
  if (n === 0) send({ type: "subscribe", ...frame });
  return () => {
    const left = (held.get(key) ?? 1) - 1;
    if (left > 0) held.set(key, left);
    else {
      held.delete(key);
      send({ type: "unsubscribe", ...frame });
    }
  };
}

/** Live counters for a tweet while a view shows it. */
export const watchCounts = (id: string) => shared(counted, id, { stream: "status", id });
export const watchTag = (tag: string) => shared(tags, tag, { stream: "hashtag", tag });
/** A list's timeline, live, while its page is open. */
export const watchList = (list: string) => shared(lists, list, { stream: "list", list });

/** A live stream's chat, viewer count and end (Chirp's `chirp:live` stream) while its page is open. */
export function watchLive(id: string): () => void {
  lives.add(id);
  send({ type: "subscribe", stream: "chirp:live", id });
  return () => {
    lives.delete(id);
    send({ type: "unsubscribe", stream: "chirp:live", id });
  };
}

/** Sends a chat line over the socket; false when it is not open (the caller posts over REST). */
export function sendChat(id: string, text: string): boolean {
  if (socket?.readyState !== WebSocket.OPEN) return false;
  socket.send(JSON.stringify({ type: "chat", id, text }));
  return true;
}

addEventListener("online", () => {
  if (!socket) connect();
});
