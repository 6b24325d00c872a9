import { signal, type Signal } from "@preact/signals";
import { ApiError, get, post, request } from "./api";
import { t } from "./i18n";
import type { Account, Status } from "./types";

// One signal per tweet: every place that shows it (home, a profile, a thread) re-renders when
// the stream edits it or its counters change, and an optimistic like shows everywhere at once.

const statuses = new Map<string, Signal<Status>>();
// The signed-in account, remembered between visits so the first screen (navigation, compose)
// is drawn complete at once and does not shift when verify_credentials answers.
const ME_KEY = "chirp.me";
function remembered(): Account | null {
  try {
    return localStorage.getItem("chirp.token") ? (JSON.parse(localStorage.getItem(ME_KEY) ?? "null") as Account | null) : null;
  } catch {
    return null;
  }
}
export const me = signal<Account | null>(remembered());
me.subscribe((a) => (a ? localStorage.setItem(ME_KEY, JSON.stringify(a)) : localStorage.removeItem(ME_KEY)));
export const toasts = signal<{ id: number; text: string; error: boolean }[]>([]);
let toastId = 0;

export function toast(text: string, error = false): void {
  const id = ++toastId;
  toasts.value = [...toasts.value, { id, text, error }];
  setTimeout(() => (toasts.value = toasts.value.filter((x) => x.id !== id)), error ? 6000 : 3000);
}

export function failed(error: unknown): void {
  toast(error instanceof ApiError || error instanceof Error ? error.message : t.errors.generic, true);
}

export function remember(status: Status): Signal<Status> {
  if (status.reblog) remember(status.reblog);
  if (status.quote?.quoted_status) remember(status.quote.quoted_status);
  const known = statuses.get(status.id);
  if (known) {
    // Stream payloads carry no viewer state: keep what we know about ours.
    const old = known.value;
    known.value = {
      ...status,
      favourited: status.favourited ?? old.favourited,
      reblogged: status.reblogged ?? old.reblogged,
      bookmarked: status.bookmarked ?? old.bookmarked,
      pinned: status.pinned ?? old.pinned,
      // A vote cannot be taken back: a payload without the viewer's vote keeps ours.
      poll: status.poll && old.poll?.voted && status.poll.id === old.poll.id && !status.poll.voted ? { ...status.poll, voted: true, own_votes: old.poll.own_votes ?? [] } : status.poll,
    };
    return known;
  }
  const made = signal(status);
  statuses.set(status.id, made);
  return made;
}

export function rememberAll(list: Status[]): string[] {
  return list.map((s) => remember(s).value.id);
}

export function statusSignal(id: string): Signal<Status> | undefined {
  return statuses.get(id);
}

export const deleted = signal<Set<string>>(new Set());

export function forgetStatus(id: string): void {
  deleted.value = new Set([...deleted.value, id]);
}

/** After a block or mute: that account's tweets (and retweets of them) leave every list at once. */
export function hideAccount(accountId: string): void {
  const gone = [...statuses.values()].filter((s) => s.value.account.id === accountId || s.value.reblog?.account.id === accountId).map((s) => s.value.id);
  deleted.value = new Set([...deleted.value, ...gone]);
}

export function applyCounts(counts: { id: string; replies_count: number; reblogs_count: number; favourites_count: number; quotes_count?: number }): void {
  const known = statuses.get(counts.id);
  if (known) known.value = { ...known.value, ...counts };
}

type Flag = "favourited" | "reblogged" | "bookmarked" | "pinned";
const COUNTER: Partial<Record<Flag, "favourites_count" | "reblogs_count">> = { favourited: "favourites_count", reblogged: "reblogs_count" };
const ACTIONS: Record<Flag, [string, string]> = {
  favourited: ["favourite", "unfavourite"],
  reblogged: ["reblog", "unreblog"],
  bookmarked: ["bookmark", "unbookmark"],
  pinned: ["pin", "unpin"],
};

/** Optimistic toggle: show it now, ask the server, roll back with a message if it refuses. */
export async function toggle(id: string, flag: Flag): Promise<void> {
  const s = statuses.get(id);
  if (!s) return;
  const before = s.value;
  const on = !before[flag];
  const counter = COUNTER[flag];
  const next: Status = { ...before, [flag]: on };
  if (counter) next[counter] = Math.max(0, before[counter] + (on ? 1 : -1));
  s.value = next;
  try {
    const answer = await post<Status>(`/api/v1/statuses/${id}/${ACTIONS[flag][on ? 0 : 1]}`);
    // A retweet answers the retweet: its `reblog` is this tweet with fresh counters.
    remember(flag === "reblogged" && answer.reblog ? answer.reblog : answer);
    if (flag === "bookmarked") toast(on ? t.status.bookmarkAdded : t.status.bookmarkRemoved);
  } catch (error) {
    const now = s.value;
    s.value = { ...now, [flag]: before[flag], ...(counter ? { [counter]: before[counter] } : {}) };
    failed(error);
  }
}

export async function deleteStatus(id: string): Promise<Status | null> {
  try {
    const { data } = await request<Status>("DELETE", `/api/v1/statuses/${id}`);
    forgetStatus(id);
    toast(t.status.deletedToast);
    return data;
  } catch (error) {
    failed(error);
    return null;
  }
}

export async function loadMe(): Promise<Account | null> {
  try {
    me.value = await get<Account>("/api/v1/accounts/verify_credentials");
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) failed(error);
  }
  return me.value;
}
