"""`chirp db copy`: move a SQL deployment (SQLite or PostgreSQL) into MongoDB without loss.

Every table is streamed in id order and written in batches (unordered `insert_many`); derived
data is rebuilt on the way (the retweet markers, tag use counts, the text index). At the end
the source's row counts are compared with the target's document counts, and a sample of
accounts, tweets, relationships, viewer states and home timelines is read back through the
storage port from both stores and compared."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

import orjson

from chirp.core.models import (
    POLICY_FIELDS,
    AuthorizationCode,
    Event,
    FeaturedTag,
    Poll,
)
from chirp.storage.copy import (
    CopyRefused,
    CopyReport,
    Progress,
    batches,
    connect_source,
    count,
    format_report,
    sample,
    spot_check,
    store_kind,
)
from chirp.storage.mongodb import MongoStore
from chirp.storage.mongodb.accounts import account_doc, credentials_doc
from chirp.storage.mongodb.announcements import announcement_doc, dismissal_doc, reaction_doc
from chirp.storage.mongodb.apps import app_doc
from chirp.storage.mongodb.base import Doc, dt, dt_or_none, edge, event_doc, ts, ts_or_none
from chirp.storage.mongodb.emojis import emoji_doc
from chirp.storage.mongodb.follow_requests import account_note_doc, follow_request_doc
from chirp.storage.mongodb.follows import follow_doc
from chirp.storage.mongodb.live_chat import chat_doc
from chirp.storage.mongodb.live_streams import stream_doc
from chirp.storage.mongodb.markers import marker_doc
from chirp.storage.mongodb.media import media_doc
from chirp.storage.mongodb.moderation import audit_doc, moderation_doc, report_doc
from chirp.storage.mongodb.notifications import notification_doc
from chirp.storage.mongodb.polls import poll_doc
from chirp.storage.mongodb.scheduled_statuses import scheduled_doc
from chirp.storage.mongodb.statuses import edit_doc, reblog_edge_doc, status_doc
from chirp.storage.mongodb.tags import featured_doc, tag_follow_doc
from chirp.storage.mongodb.timelines import feed_entry
from chirp.storage.mongodb.tokens import code_doc, token_doc
from chirp.storage.mongodb.web_push import subscription_doc
from chirp.storage.sqlite import feeds_file
from chirp.storage.sqlite.accounts import account_from_row, credentials_from_row
from chirp.storage.sqlite.announcements import announcement_from_row
from chirp.storage.sqlite.apps import app_from_row
from chirp.storage.sqlite.emojis import emoji_from_row
from chirp.storage.sqlite.follow_requests import request_from_row
from chirp.storage.sqlite.follows import follow_from_row
from chirp.storage.sqlite.live_chat import message_from_row
from chirp.storage.sqlite.live_streams import stream_from_row
from chirp.storage.sqlite.markers import marker_from_row
from chirp.storage.sqlite.media import media_from_row
from chirp.storage.sqlite.moderation import audit_from_row, moderation_from_row, report_from_row
from chirp.storage.sqlite.notifications import notification_from_row
from chirp.storage.sqlite.scheduled_statuses import scheduled_from_row
from chirp.storage.sqlite.statuses import edit_from_row, status_from_row
from chirp.storage.sqlite.tokens import token_from_row
from chirp.storage.sqlite.web_push import subscription_from_row

# As the shared copy code names them (the tests reach them here).
_sample, _spot_check = sample, spot_check
__all__ = ["CopyRefused", "CopyReport", "copy_sql_to_mongo", "format_report"]


def _words(value: str) -> tuple[str, ...]:
    return tuple(value.split())


def _credentials(row: sqlite3.Row) -> Doc:
    credentials = credentials_from_row(row)
    return credentials_doc(credentials, dt(row["created_at"]))


def _code(row: sqlite3.Row) -> Doc:
    return code_doc(
        AuthorizationCode(
            digest=row["digest"],
            app_id=row["app_id"],
            account_id=row["account_id"],
            redirect_uri=row["redirect_uri"],
            scopes=_words(row["scopes"]),
            expires_at=dt(row["expires_at"]),
            code_challenge=row["code_challenge"],
            code_challenge_method=row["code_challenge_method"],
        )
    )


def _marker(row: sqlite3.Row) -> Doc:
    return {
        "_id": edge(row["account_id"], row["status_id"]),
        "id": row["id"],
        "account_id": row["account_id"],
        "status_id": row["status_id"],
        "public": bool(row["public"]),
    }


def _follow(row: sqlite3.Row) -> Doc:
    return follow_doc(follow_from_row(row))


def _edit(row: sqlite3.Row) -> Doc:
    return edit_doc(edit_from_row(row))


def _notification(row: sqlite3.Row) -> Doc:
    return notification_doc(notification_from_row(row))


def _outbox(row: sqlite3.Row) -> Doc:
    doc = event_doc(
        Event(id=row["id"], kind=row["kind"], payload=orjson.loads(row["payload"])),
        dt(row["available_at"]),
    )
    doc["attempts"] = row["attempts"]
    doc["claimed_until"] = ts_or_none(dt_or_none(row["claimed_until"]))
    return doc


def _stream(row: sqlite3.Row) -> Doc:
    doc = stream_doc(stream_from_row(row))
    doc["relay_seen_ms"] = row["relay_seen_ms"]
    return doc


def _poll(row: sqlite3.Row) -> Doc:
    options = orjson.loads(row["opts"])
    return poll_doc(
        Poll(
            id=row["id"],
            status_id=row["status_id"],
            account_id=row["account_id"],
            options=tuple(title for title, _ in options),
            votes=tuple(count for _, count in options),
            expires_at=dt(row["expires_at"]),
            multiple=bool(row["multiple"]),
            hide_totals=bool(row["hide_totals"]),
            voters_count=row["voters_count"],
        )
    )


def _chat(row: sqlite3.Row) -> Doc:
    return chat_doc(message_from_row(row), dt_or_none(row["deleted_at"]))


@dataclass(frozen=True, slots=True)
class Part:
    """One collection of the target and the SQLite query whose rows become its documents."""

    collection: str
    sql: str
    to_doc: Callable[[sqlite3.Row], Doc]


PARTS = (
    Part("apps", "SELECT * FROM apps ORDER BY id", lambda r: app_doc(app_from_row(r))),
    Part(
        "accounts", "SELECT * FROM accounts ORDER BY id", lambda r: account_doc(account_from_row(r))
    ),
    Part("credentials", "SELECT * FROM credentials ORDER BY account_id", _credentials),
    Part("tokens", "SELECT * FROM tokens ORDER BY id", lambda r: token_doc(token_from_row(r))),
    Part("authorization_codes", "SELECT * FROM authorization_codes ORDER BY digest", _code),
    Part(
        "statuses", "SELECT * FROM statuses ORDER BY id", lambda r: status_doc(status_from_row(r))
    ),
    Part(
        "reblogs",
        "SELECT * FROM statuses WHERE reblog_of_id IS NOT NULL ORDER BY id",
        lambda r: reblog_edge_doc(status_from_row(r), r["visibility"] == "public"),
    ),
    Part(
        "tags",
        "SELECT t.name, t.name_key, t.created_at,"
        " (SELECT count(*) FROM status_tags st WHERE st.tag_id = t.id) AS uses"
        " FROM tags t ORDER BY t.id",
        lambda r: {
            "_id": r["name_key"],
            "name": r["name"],
            "created_at": ts(dt(r["created_at"])),
            "uses": r["uses"],
        },
    ),
    Part("status_edits", "SELECT * FROM status_edits ORDER BY id", _edit),
    *(
        Part(
            table,
            f"SELECT m.*, s.visibility = 'public' AS public FROM {table} m"
            " JOIN statuses s ON s.id = m.status_id ORDER BY m.id",
            _marker,
        )
        for table in ("favourites", "bookmarks", "pins")
    ),
    Part("follows", "SELECT * FROM follows ORDER BY id", _follow),
    Part(
        "follow_requests",
        "SELECT * FROM follow_requests ORDER BY id",
        lambda r: follow_request_doc(request_from_row(r)),
    ),
    Part(
        "account_notes",
        "SELECT * FROM account_notes ORDER BY account_id, target_account_id",
        lambda r: account_note_doc(
            r["account_id"], r["target_account_id"], r["comment"], dt(r["updated_at"])
        ),
    ),
    Part(
        "home_feed",
        "SELECT * FROM home_feed ORDER BY owner_id, status_id",
        lambda r: feed_entry(r["owner_id"], r["status_id"], r["author_id"], r["reblog_of_id"]),
    ),
    Part("notifications", "SELECT * FROM notifications ORDER BY id", _notification),
    Part(
        "idempotency_keys",
        "SELECT * FROM idempotency_keys ORDER BY account_id, key",
        lambda r: {
            "_id": edge(r["account_id"], r["key"]),
            "account_id": r["account_id"],
            "status_id": r["status_id"],
            "created_at": ts(dt(r["created_at"])),
        },
    ),
    Part("outbox", "SELECT * FROM outbox ORDER BY id", _outbox),
    Part(
        "media",
        "SELECT * FROM media_attachments ORDER BY id",
        lambda r: {
            **media_doc(media_from_row(r)),
            "scheduled_status_id": r["scheduled_status_id"],
        },
    ),
    Part("live_streams", "SELECT * FROM live_streams ORDER BY id", _stream),
    Part(
        "stream_keys",
        "SELECT * FROM stream_keys ORDER BY account_id",
        lambda r: {
            "_id": r["account_id"],
            "digest": r["digest"],
            "created_at": ts(dt(r["created_at"])),
        },
    ),
    Part(
        "live_viewers",
        "SELECT * FROM live_viewers ORDER BY stream_id, viewer",
        lambda r: {
            "_id": edge(r["stream_id"], r["viewer"]),
            "stream_id": r["stream_id"],
            "seen_ms": r["seen_ms"],
        },
    ),
    Part("live_chat", "SELECT * FROM live_chat ORDER BY id", _chat),
    Part(
        "tag_follows",
        "SELECT * FROM tag_follows ORDER BY id",
        lambda r: tag_follow_doc(r["id"], r["account_id"], r["name_key"], dt(r["created_at"])),
    ),
    Part(
        "featured_tags",
        "SELECT * FROM featured_tags ORDER BY id",
        lambda r: featured_doc(
            FeaturedTag(r["id"], r["account_id"], r["name"], dt(r["created_at"]))
        ),
    ),
    Part(
        "chat_bans",
        "SELECT * FROM live_chat_bans ORDER BY streamer_id, account_id",
        lambda r: {
            "_id": edge(r["streamer_id"], r["account_id"]),
            "streamer_id": r["streamer_id"],
            "account_id": r["account_id"],
            "created_at": ts(dt(r["created_at"])),
        },
    ),
    Part(
        "chat_moderators",
        "SELECT * FROM live_chat_moderators ORDER BY streamer_id, account_id",
        lambda r: {
            "_id": edge(r["streamer_id"], r["account_id"]),
            "streamer_id": r["streamer_id"],
            "account_id": r["account_id"],
            "created_at": ts(dt(r["created_at"])),
        },
    ),
    Part(
        "viewer_history",
        "SELECT * FROM live_viewer_history ORDER BY stream_id, minute_ms",
        lambda r: {
            "_id": edge(r["stream_id"], r["minute_ms"]),
            "stream_id": r["stream_id"],
            "minute_ms": r["minute_ms"],
            "viewers": r["viewers"],
        },
    ),
    Part(
        "markers",
        "SELECT * FROM markers ORDER BY account_id, timeline",
        lambda r: marker_doc(r["account_id"], marker_from_row(r)),
    ),
    Part(
        "custom_emojis",
        "SELECT * FROM custom_emojis ORDER BY shortcode",
        lambda r: emoji_doc(emoji_from_row(r)),
    ),
    Part(
        "announcements",
        "SELECT * FROM announcements ORDER BY id",
        lambda r: announcement_doc(announcement_from_row(r)),
    ),
    Part(
        "announcement_reactions",
        "SELECT * FROM announcement_reactions ORDER BY announcement_id, account_id, name",
        lambda r: reaction_doc(
            r["announcement_id"], r["account_id"], r["name"], dt(r["created_at"])
        ),
    ),
    Part(
        "announcement_dismissals",
        "SELECT * FROM announcement_dismissals ORDER BY announcement_id, account_id",
        lambda r: dismissal_doc(r["announcement_id"], r["account_id"]),
    ),
    Part(
        "notification_policies",
        "SELECT * FROM notification_policies ORDER BY account_id",
        lambda r: {
            "_id": r["account_id"],
            **{f: r[f] for f in POLICY_FIELDS},
        },
    ),
    Part(
        "notification_requests",
        "SELECT * FROM notification_requests ORDER BY id",
        lambda r: {
            "_id": edge(r["account_id"], r["from_account_id"]),
            "id": r["id"],
            "account_id": r["account_id"],
            "from_account_id": r["from_account_id"],
            "last_status_id": r["last_status_id"],
            "created_at": ts(dt(r["created_at"])),
            "updated_at": ts(dt(r["updated_at"])),
        },
    ),
    Part(
        "notification_permissions",
        "SELECT * FROM notification_permissions ORDER BY account_id, from_account_id",
        lambda r: {
            "_id": edge(r["account_id"], r["from_account_id"]),
            "account_id": r["account_id"],
            "from_account_id": r["from_account_id"],
            "created_at": ts(dt(r["created_at"])),
        },
    ),
    Part(
        "conversation_mutes",
        "SELECT * FROM conversation_mutes ORDER BY account_id, conversation_id",
        lambda r: {
            "_id": edge(r["account_id"], r["conversation_id"]),
            "account_id": r["account_id"],
            "conversation_id": r["conversation_id"],
            "created_at": ts(dt(r["created_at"])),
        },
    ),
    Part(
        "account_moderation",
        "SELECT * FROM account_moderation ORDER BY account_id",
        lambda r: moderation_doc(moderation_from_row(r)),
    ),
    Part("reports", "SELECT * FROM reports ORDER BY id", lambda r: report_doc(report_from_row(r))),
    Part(
        "audit_log",
        "SELECT * FROM audit_log ORDER BY id",
        lambda r: audit_doc(audit_from_row(r)),
    ),
    Part(
        "account_blocks",
        "SELECT * FROM account_blocks ORDER BY id",
        lambda r: {
            "_id": edge(r["account_id"], r["target_account_id"]),
            "id": r["id"],
            "account_id": r["account_id"],
            "target_account_id": r["target_account_id"],
            "created_at": ts(dt(r["created_at"])),
        },
    ),
    Part(
        "account_mutes",
        "SELECT * FROM account_mutes ORDER BY id",
        lambda r: {
            "_id": edge(r["account_id"], r["target_account_id"]),
            "id": r["id"],
            "account_id": r["account_id"],
            "target_account_id": r["target_account_id"],
            "notifications": bool(r["notifications"]),
            "created_at": ts(dt(r["created_at"])),
            "expires_at": None if r["expires_at"] is None else ts(dt(r["expires_at"])),
        },
    ),
    Part(
        "scheduled_statuses",
        "SELECT * FROM scheduled_statuses ORDER BY id",
        lambda r: scheduled_doc(scheduled_from_row(r)),
    ),
    Part(
        "push_subscriptions",
        "SELECT * FROM push_subscriptions ORDER BY id",
        lambda r: subscription_doc(subscription_from_row(r)),
    ),
    Part(
        "instance_secrets",
        "SELECT * FROM instance_secrets ORDER BY name",
        lambda r: {"_id": r["name"], "value": r["value"]},
    ),
    Part(
        "polls",
        "SELECT p.*, (SELECT json_group_array(json_array(o.title, o.votes_count))"
        " FROM (SELECT * FROM poll_options WHERE poll_id = p.id ORDER BY position) o) AS opts"
        " FROM polls p ORDER BY p.id",
        _poll,
    ),
    Part(
        "poll_votes",
        "SELECT poll_id, account_id, json_group_array(choice) AS choices, min(created_at) AS at"
        " FROM poll_votes GROUP BY poll_id, account_id ORDER BY poll_id, account_id",
        lambda r: {
            "_id": edge(r["poll_id"], r["account_id"]),
            "poll_id": r["poll_id"],
            "account_id": r["account_id"],
            "choices": sorted(orjson.loads(r["choices"])),
            "created_at": ts(dt(r["at"])),
        },
    ),
)


def _conversation(row: sqlite3.Row) -> Doc:
    participants = [int(i) for i in row["participant_ids"].split(",") if i]
    return {
        "_id": row["id"],
        "account_id": row["account_id"],
        "thread_id": row["thread_id"],
        "key": row["participant_ids"],
        "participant_ids": participants,
        "status_ids": sorted(orjson.loads(row["statuses"])),
        "last_status_id": row["last_status_id"],
        "unread": bool(row["unread"]),
    }


LIST_PARTS = (
    Part(
        "lists",
        "SELECT * FROM lists ORDER BY id",
        lambda r: {
            "_id": r["id"],
            "account_id": r["account_id"],
            "title": r["title"],
            "replies_policy": r["replies_policy"],
            "exclusive": bool(r["exclusive"]),
        },
    ),
    Part(
        "list_accounts",
        "SELECT m.*, l.account_id AS owner_id FROM list_accounts m JOIN lists l"
        " ON l.id = m.list_id ORDER BY m.list_id, m.account_id",
        lambda r: {
            "_id": edge(r["list_id"], r["account_id"]),
            "id": r["id"],
            "list_id": r["list_id"],
            "owner_id": r["owner_id"],
            "account_id": r["account_id"],
            "created_at": ts(dt(r["created_at"])),
        },
    ),
    Part(
        "list_feed",
        "SELECT f.*, l.account_id AS owner_id FROM list_feed f JOIN lists l ON l.id = f.list_id"
        " ORDER BY f.list_id, f.status_id",
        lambda r: {
            "_id": edge(r["list_id"], r["status_id"]),
            "list_id": r["list_id"],
            "owner_id": r["owner_id"],
            "status_id": r["status_id"],
            "author_id": r["author_id"],
        },
    ),
    Part(
        "conversations",
        "SELECT c.*, (SELECT json_group_array(status_id) FROM conversation_statuses s"
        " WHERE s.conversation_id = c.id) AS statuses FROM conversations c ORDER BY c.id",
        _conversation,
    ),
)
PARTS = PARTS + LIST_PARTS


def connect_read_only(sqlite_path: str) -> sqlite3.Connection:
    """The SQLite store at `sqlite_path`, read-only, with its home feeds' file attached."""
    conn = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    conn.execute("ATTACH DATABASE ? AS feeds", (f"file:{feeds_file(sqlite_path)}?mode=ro",))
    return conn


async def copy_sql_to_mongo(
    source_url: str, target: MongoStore, out: TextIO = sys.stderr
) -> CopyReport:
    """Copy every table of the SQL store (SQLite or PostgreSQL) at `source_url` (migrated
    first) into `target`'s database, which must hold no Chirp data yet; then count and
    spot-check."""
    from chirp.storage import open_store

    source = await open_store(source_url)  # applies pending migrations
    try:
        for part in PARTS:
            if await target.db[part.collection].count_documents({}):
                raise CopyRefused(
                    f"the target database already holds {part.collection}: copy into an empty one"
                )
        conn = connect_source(source_url)
        try:
            report = CopyReport(source=store_kind(source_url) or "source")
            totals = {part.collection: count(conn, part.sql) for part in PARTS}
            progress = Progress(sum(totals.values()), out)
            for part in PARTS:
                for batch in batches(conn, part.sql):
                    docs = [part.to_doc(row) for row in batch]
                    await target.db[part.collection].insert_many(docs, ordered=False)
                    progress.advance(len(docs), part.collection)
                copied = await target.db[part.collection].count_documents({})
                report.counts[part.collection] = (totals[part.collection], copied)
            picked = sample(conn)
        finally:
            conn.close()
        await spot_check(source, target, picked, report)
        return report
    finally:
        await source.close()
