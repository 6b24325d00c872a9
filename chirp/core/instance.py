"""Instance-wide facts: statistics, health, and what the operator says about the server (rules,
about text, privacy policy, terms of service)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from markdown_it import MarkdownIt

from chirp.config import Settings
from chirp.core.context import Context
from chirp.core.errors import ChirpError

log = logging.getLogger(__name__)

# Active users, as NodeInfo defines them: accounts that posted in the last 30 / 180 days.
ACTIVE_MONTH = timedelta(days=30)
ACTIVE_HALFYEAR = timedelta(days=180)
# Inline texts have no date of their own: they count as written when this process started.
_STARTED = datetime.now(UTC)
# Operator texts are trusted, but Markdown stays Markdown: raw HTML goes in an `.html` file.
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")

DEFAULT_PRIVACY_POLICY_WRITTEN = datetime(2026, 12, 6, tzinfo=UTC)  # change it with the text
DEFAULT_PRIVACY_POLICY = """\
## What this server keeps

- **Your account**: your handle, display name, bio, avatar and header, your email address, and
  a one-way hash of your password (Argon2id; the password itself is never stored).
- **What you post**: your posts, with their media, edits, likes, reposts and bookmarks, and who
  you follow. Public posts are visible to anyone; followers-only posts to your followers;
  direct posts to the people they mention.
- **Sign-in tokens**: the apps you authorized, and their tokens (stored hashed) until you or
  they revoke them.
- **Server logs**: each request's path (never its query, which may carry a token), status,
  IP address and user agent, kept by the operator for running the server.

## What it does not do

It sets no cookies for the API, shows no ads, and shares nothing with other servers: it does
not federate. Deleting a post removes it and its media.
"""


class TextUnavailable(ChirpError):
    status = 503


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    text: str
    hint: str = ""


@dataclass(frozen=True, slots=True)
class InstanceText:
    """An operator's text, rendered to HTML; `updated_at` None when none was written."""

    content: str
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class TermsOfService:
    content: str
    effective_date: date


@dataclass(slots=True)
class InstanceStats:
    users: int
    statuses: int
    active_month: int
    active_halfyear: int


async def instance_stats(ctx: Context) -> InstanceStats:
    users, statuses = await ctx.store.count_accounts()
    now = ctx.now()
    return InstanceStats(
        users=users,
        statuses=statuses,
        active_month=await ctx.store.count_active_accounts(now - ACTIVE_MONTH),
        active_halfyear=await ctx.store.count_active_accounts(now - ACTIVE_HALFYEAR),
    )


def instance_rules(settings: Settings) -> list[Rule]:
    """The rules in the operator's order; ids are their positions, stable while the list is."""
    return [Rule(id=str(n), text=text) for n, text in enumerate(settings.instance_rules, 1)]


def _render(text: str, *, html: bool) -> str:
    return text.strip() if html else _MARKDOWN.render(text).strip()


# Rendered files by path, with the (mtime, size) they were read at: a changed file is read
# again, an unchanged one is not (requests stat it, a syscall, and never block on reading).
_files: dict[str, tuple[tuple[int, int], InstanceText]] = {}


def _read_file(path: Path) -> InstanceText:
    key = str(path)
    try:
        stat = os.stat(path)
        cached = _files.get(key)
        if cached and cached[0] == (stat.st_mtime_ns, stat.st_size):
            return cached[1]
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        log.error("instance text unreadable", extra={"path": key, "error": repr(error)})
        if key in _files:
            return _files[key][1]  # the last good version beats an error page
        raise TextUnavailable("This text is unavailable right now") from None
    text = InstanceText(
        content=_render(raw, html=path.suffix.lower() in (".html", ".htm")),
        updated_at=datetime.fromtimestamp(stat.st_mtime, UTC),
    )
    _files[key] = ((stat.st_mtime_ns, stat.st_size), text)
    return text


def read_instance_text(value: str) -> InstanceText | None:
    """A text setting: `@path` (a Markdown or HTML file), inline Markdown or HTML (it starts
    with `<`), or None when empty."""
    if not value.strip():
        return None
    if value.startswith("@"):
        return _read_file(Path(value[1:]).expanduser())
    return InstanceText(_render(value, html=value.lstrip().startswith("<")), _STARTED)


def extended_description(settings: Settings) -> InstanceText:
    return read_instance_text(settings.instance_extended_description) or InstanceText("", None)


def privacy_policy(settings: Settings) -> InstanceText:
    return read_instance_text(settings.instance_privacy_policy) or InstanceText(
        _render(DEFAULT_PRIVACY_POLICY, html=False), DEFAULT_PRIVACY_POLICY_WRITTEN
    )


def terms_of_service(settings: Settings) -> TermsOfService | None:
    text = read_instance_text(settings.instance_terms_of_service)
    if text is None:
        return None
    effective = settings.instance_terms_effective_date or (text.updated_at or _STARTED).date()
    return TermsOfService(content=text.content, effective_date=effective)


async def probe_health(ctx: Context) -> list[str]:
    """What is unhealthy right now; empty when all is well."""
    problems = []
    try:
        await ctx.store.ping()
    except Exception as error:
        log.warning("health check: store unreachable", extra={"error": repr(error)})
        problems.append("store unreachable")
    return problems


async def probe_readiness(ctx: Context) -> list[str]:
    """What keeps this node from taking traffic: the store's and the event bus's reachability
    (a node cut off from the bus would serve sockets that miss other nodes' events)."""
    problems = await probe_health(ctx)
    if ctx.bus is not None and not await ctx.bus.reachable():
        log.warning("readiness check: event bus unreachable")
        problems.append("event bus unreachable")
    return problems
