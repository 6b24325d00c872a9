"""`chirp emoji ...` and `chirp announcement ...`: what the operator curates from a shell, on
the store and blob store the server uses (the same `CHIRP_*` settings). Servers pick the
changes up by themselves: new emojis within `CHIRP_CUSTOM_EMOJIS_CACHE_SECONDS`, announcements
at once (and on the `user` streams through the outbox, which the servers' dispatchers drain)."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from chirp.blobs import open_blobs
from chirp.blobs import signing_key as media_signing_key
from chirp.config import Settings
from chirp.core import announcements, emojis
from chirp.core.context import Context
from chirp.core.errors import ChirpError
from chirp.core.ids import SnowflakeGenerator
from chirp.core.secrets import Passwords
from chirp.media.workers import MediaWorkers
from chirp.storage import open_store


class OperatorError(Exception):
    """A command that cannot do what was asked; the message says why."""


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    emoji = commands.add_parser("emoji", help="custom emojis: add, remove, list").add_subparsers(
        dest="emoji_command", required=True
    )
    add = emoji.add_parser("add", help="add a custom emoji from a PNG, GIF or WebP (256 KB max)")
    add.add_argument("shortcode", help="letters, digits and _ (used as :shortcode:)")
    add.add_argument("image", type=Path, help="the image file")
    add.add_argument("--category", help="group it under this name in pickers")
    add.add_argument(
        "--hidden", action="store_true", help="leave it out of pickers (it still renders)"
    )
    remove = emoji.add_parser("remove", help="remove a custom emoji and its images")
    remove.add_argument("shortcode")
    emoji.add_parser("list", help="every custom emoji, hidden ones too")
    notice = commands.add_parser(
        "announcement", help="announcements to every user: add, remove, list"
    ).add_subparsers(dest="announcement_command", required=True)
    post = notice.add_parser("add", help="publish an announcement now")
    post.add_argument("text", help="plain text; links, @mentions, #tags and :emoji: render")
    post.add_argument("--starts-at", type=_when, help="start of the event it announces (ISO 8601)")
    post.add_argument("--ends-at", type=_when, help="its end (ISO 8601; with --starts-at)")
    post.add_argument("--all-day", action="store_true", help="the event's dates alone matter")
    withdraw = notice.add_parser("remove", help="withdraw an announcement")
    withdraw.add_argument("id", type=int)
    notice.add_parser("list", help="every announcement, in order")
    for parser in (add, remove, emoji.choices["list"], post, withdraw, notice.choices["list"]):
        parser.add_argument("--data-dir", help="embedded data directory (CHIRP_DATA_DIR)")


def _when(value: str) -> datetime:
    """ISO 8601 date or time; without an offset it is UTC."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date or time: {value!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@asynccontextmanager
async def operator_context(settings: Settings) -> AsyncIterator[Context]:
    """The store and blob store, as a server opens them (the store is migrated if needed)."""
    if not settings.store:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = await open_store(settings.store_url, settings)
    blobs = open_blobs(settings, await media_signing_key(settings, store))
    workers = MediaWorkers(1)  # emoji images only, in a thread: no process is started
    try:
        yield Context(
            settings=settings,
            store=store,
            ids=SnowflakeGenerator(settings.node_id),
            passwords=Passwords(time_cost=1, memory_kib=8, parallelism=1),  # no logins here
            blobs=blobs,
            media_workers=workers,
        )
    finally:
        await workers.close()
        await blobs.close()
        await store.close()


async def run(args: argparse.Namespace, settings: Settings, out: TextIO) -> None:
    async with operator_context(settings) as ctx:
        try:
            if args.command == "emoji":
                await _emoji(ctx, args, out)
            else:
                await _announcement(ctx, args, out)
        except ChirpError as error:
            raise OperatorError(error.message.removeprefix("Validation failed: ")) from None


async def _emoji(ctx: Context, args: argparse.Namespace, out: TextIO) -> None:
    if args.emoji_command == "add":
        try:
            image = args.image.read_bytes()
        except OSError as error:
            raise OperatorError(f"cannot read {args.image}: {error.strerror}") from None
        added = await emojis.add_custom_emoji(
            ctx,
            args.shortcode,
            image,
            category=args.category,
            visible_in_picker=not args.hidden,
        )
        out.write(f":{added.shortcode}: added\n")
    elif args.emoji_command == "remove":
        removed = await emojis.remove_custom_emoji(ctx, args.shortcode)
        out.write(f":{removed.shortcode}: removed\n")
    else:
        assert ctx.blobs is not None
        for emoji in await emojis.list_custom_emojis(ctx):
            shown = "visible" if emoji.visible_in_picker else "hidden"
            url = ctx.blobs.public_url(emoji.image_key)
            out.write(f":{emoji.shortcode}:\t{emoji.category or '-'}\t{shown}\t{url}\n")


async def _announcement(ctx: Context, args: argparse.Namespace, out: TextIO) -> None:
    if args.announcement_command == "add":
        added = await announcements.add_announcement(
            ctx, args.text, starts_at=args.starts_at, ends_at=args.ends_at, all_day=args.all_day
        )
        out.write(f"announcement {added.id} published\n")
    elif args.announcement_command == "remove":
        await announcements.remove_announcement(ctx, args.id)
        out.write(f"announcement {args.id} removed\n")
    else:
        for a in await announcements.list_all_announcements(ctx):
            when = ""
            if a.starts_at is not None and a.ends_at is not None:
                fmt = "%Y-%m-%d" if a.all_day else "%Y-%m-%dT%H:%MZ"
                when = f"{a.starts_at.strftime(fmt)}..{a.ends_at.strftime(fmt)}"
            first_line = a.text.splitlines()[0] if a.text else ""
            out.write(
                f"{a.id}\t{a.published_at.strftime('%Y-%m-%dT%H:%MZ')}\t{when or '-'}\t{first_line}\n"
            )
