import { signal } from "@preact/signals";
import { ApiError, get, request } from "./api";
import type { Account, GroupedNotifications, Notification, NotificationGroup, Status } from "./types";
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

const GROUPED = new Set(["favourite", "reblog", "follow"]);

export function groupNotifications(list: Notification[]): GroupedNotifications {
  const accounts = new Map<string, Account>();
  const statuses = new Map<string, Status>();
  const groups = new Map<string, NotificationGroup>();
  for (const n of list) {
    accounts.set(n.account.id, n.account);
    if (n.status) statuses.set(n.status.id, n.status);
    const key = GROUPED.has(n.type) ? `${n.type}-${n.status?.id ?? ""}` : `ungrouped-${n.id}`;
    const group = groups.get(key);
    if (group) {
      group.notifications_count += 1;
      if (!group.sample_account_ids.includes(n.account.id) && group.sample_account_ids.length < 8) group.sample_account_ids.push(n.account.id);
      group.page_min_id = n.id;
    } else {
      groups.set(key, {
        group_key: key, notifications_count: 1, type: n.type, most_recent_notification_id: n.id,
        page_min_id: n.id, page_max_id: n.id, latest_page_notification_at: n.created_at,
        sample_account_ids: [n.account.id], status_id: n.status?.id ?? null,
      });
    }
  }
  return { accounts: [...accounts.values()], statuses: [...statuses.values()], notification_groups: [...groups.values()] };
}
