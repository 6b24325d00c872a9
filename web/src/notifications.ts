import { signal } from "@preact/signals";
import { get, request } from "./api";
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
