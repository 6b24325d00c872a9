import { signal } from "@preact/signals";
import { ApiError, get, request } from "./api";
import { groupNotifications } from "./group";
import type { GroupedNotifications, Notification } from "./types";
import { onStream } from "./stream";

// The unread badge: the server's count at start (`/api/v1/notifications/unread_count`, which
// counts from the `notifications` marker), plus what arrives live; reading the list moves the
// marker, which other devices see too.

export const unread = signal(0);
let lastRead: string | null = null;

export async function loadUnread(): Promise<void> {
  try {
    unread.value = (await get<{ count: number }>("/api/v1/notifications/unread_count")).count;
  } catch {
    unread.value = 0;
  }
}

export async function markAllRead(newest: string | undefined): Promise<void> {
  unread.value = 0;
  if (!newest || newest === lastRead) return;
  lastRead = newest;
  try {
    await request("POST", "/api/v1/markers", { notifications: { last_read_id: newest } });
  } catch {
    /* the badge is cleared here; the marker catches up next time */
  }
}

export function countLive(onNotificationsPage: () => boolean): () => void {
  return onStream((e) => {
    if (e.event === "notification" && !onNotificationsPage()) unread.value += 1;
    if (e.event === "chirp.reset") void loadUnread();
  });
}

/** Mastodon's grouped notifications (`/api/v2/notifications`); on a server without them, the
 * v1 list grouped here the same way (likes and retweets of one post, follows). */
export async function loadGrouped(): Promise<GroupedNotifications> {
  try {
    return await get<GroupedNotifications>("/api/v2/notifications?limit=40&expand_accounts=full");
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
  }
  return groupNotifications(await get<Notification[]>("/api/v1/notifications?limit=80"));
}

