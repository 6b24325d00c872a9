import { describe, expect, it } from "vitest";
import { groupNotifications } from "../src/group";
import type { Account, Notification, Status } from "../src/types";

const account = (id: string) => ({ id, username: `u${id}`, acct: `u${id}` }) as Account;
const status = (id: string) => ({ id }) as Status;
const n = (id: string, type: string, who: string, on?: string): Notification => ({
  id, type, created_at: `2026-01-01T00:00:${id.padStart(2, "0")}Z`, account: account(who), status: on ? status(on) : null,
});

describe("groupNotifications", () => {
  it("groups likes and retweets per post and follows together, newest first", () => {
    const grouped = groupNotifications([
      n("9", "favourite", "a", "100"), n("8", "favourite", "b", "100"), n("7", "reblog", "a", "100"),
      n("6", "follow", "c"), n("5", "follow", "d"), n("4", "mention", "a", "101"), n("3", "mention", "b", "102"),
      n("2", "favourite", "c", "103"),
    ]);
    const groups = grouped.notification_groups;
    expect(groups.map((g) => [g.type, g.notifications_count])).toEqual([
      ["favourite", 2], ["reblog", 1], ["follow", 2], ["mention", 1], ["mention", 1], ["favourite", 1],
    ]);
    expect(groups[0]!.sample_account_ids).toEqual(["a", "b"]);
    expect(groups[0]!.most_recent_notification_id).toBe("9");
    expect(groups[0]!.page_min_id).toBe("8");
    expect(grouped.accounts.map((a) => a.id).sort()).toEqual(["a", "b", "c", "d"]);
    expect(grouped.statuses.map((s) => s.id).sort()).toEqual(["100", "101", "102", "103"]);
  });
  it("lists an account once in a group however often it acted", () => {
    const grouped = groupNotifications([n("3", "favourite", "a", "1"), n("2", "favourite", "a", "1")]);
    expect(grouped.notification_groups[0]!.sample_account_ids).toEqual(["a"]);
    expect(grouped.notification_groups[0]!.notifications_count).toBe(2);
  });
});
