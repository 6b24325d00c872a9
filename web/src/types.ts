// The Mastodon API's shapes, as far as the app reads them.
export interface Emoji { shortcode: string; url: string; static_url: string }
export interface Field { name: string; value: string; verified_at: string | null }
export interface Account {
  id: string; username: string; acct: string; display_name: string; url: string; note: string;
  avatar: string; avatar_static: string; header: string; header_static: string; locked: boolean; bot: boolean;
  followers_count: number; following_count: number; statuses_count: number; created_at: string;
  fields: Field[]; emojis: Emoji[];
  source?: { privacy: string; sensitive: boolean; language: string | null; note: string; fields: Field[] };
}
export interface Attachment {
  id: string; type: "image" | "video" | "gifv" | "audio" | "unknown"; url: string | null; preview_url: string | null;
  description: string | null; meta?: { small?: { width: number; height: number }; original?: { width: number; height: number } } | null;
}
export interface Tag { name: string; url: string; following?: boolean; history?: { day: string; uses: string; accounts: string }[] }
export interface Mention { id: string; username: string; acct: string; url: string }
export interface Poll {
  id: string; expires_at: string | null; expired: boolean; multiple: boolean; votes_count: number; voters_count: number | null;
  options: { title: string; votes_count: number | null }[]; voted?: boolean; own_votes?: number[];
}
export interface Status {
  id: string; uri: string; url: string | null; created_at: string; edited_at: string | null; account: Account;
  content: string; spoiler_text: string; sensitive: boolean; visibility: "public" | "unlisted" | "private" | "direct";
  in_reply_to_id: string | null; in_reply_to_account_id: string | null; reblog: Status | null;
  media_attachments: Attachment[]; mentions: Mention[]; tags: Tag[]; emojis: Emoji[];
  replies_count: number; reblogs_count: number; favourites_count: number; quotes_count?: number;
  favourited?: boolean; reblogged?: boolean; bookmarked?: boolean; pinned?: boolean;
  quote?: { state: string; quoted_status: Status | null } | null;
  poll?: Poll | null;
}
export interface Relationship { id: string; following: boolean; followed_by: boolean; requested: boolean; showing_reblogs?: boolean; notifying?: boolean; blocking?: boolean; muting?: boolean }
export interface Notification { id: string; type: string; created_at: string; account: Account; status?: Status | null; group_key?: string }
export interface NotificationGroup {
  group_key: string; notifications_count: number; type: string; most_recent_notification_id: string;
  page_min_id?: string; page_max_id?: string; latest_page_notification_at?: string;
  sample_account_ids: string[]; status_id?: string | null;
}
export interface GroupedNotifications { accounts: Account[]; statuses: Status[]; notification_groups: NotificationGroup[] }
export interface Token { access_token: string; token_type: string; scope: string; created_at: number }
export interface LiveStream { id: string; title?: string; account: Account; url?: string; viewers_count?: number; state?: "created" | "live" | "ended"; playback_url?: string | null; watch_url?: string; poster_url?: string | null; preview_url?: string | null }
export interface StatusEdit { content: string; spoiler_text: string; created_at: string; account: Account; media_attachments: Attachment[] }
