import type { Account, GroupedNotifications, Notification, NotificationGroup, Status } from "./types";

// Mastodon's grouping (likes and retweets of one post, follows), for a server without
// `/api/v2/notifications`: the v1 list, newest first, folded into the v2 shape.

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
