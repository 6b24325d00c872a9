"""Content filter use cases (Mastodon's `/api/v2/filters`, and `/api/v1/filters` on top).

A filter is saved whole with its keywords and filtered tweets, guarded by its `version`: two
edits of one filter at once (a keyword added while the title changes) are each retried on
the other's result rather than overwrite it. Every change is handed to the account's streams
on every node (`filters_changed`), and reads compile the filters once per account
(`filter_matching.FilterCache`).

The v1 API sees each keyword as a filter (its `id` the keyword's), as Mastodon's does.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import orjson

from chirp.core import topics
from chirp.core.context import Context
from chirp.core.errors import InvalidInput, NotFound
from chirp.core.filter_matching import (
    ACTIONS,
    CONTEXTS,
    filters_to_wire,
)
from chirp.core.models import (
    Account,
    Filter,
    FilterKeyword,
    FilterStatus,
)
from chirp.core.views import load_visible

log = logging.getLogger(__name__)

# Bounds on what one account's matching costs.
MAX_FILTERS = 100
MAX_KEYWORDS = 100  # per filter
MAX_KEYWORD_LENGTH = 200
MAX_TITLE_LENGTH = 256
MAX_STATUSES = 1_000  # per filter
SAVE_ATTEMPTS = 5


@dataclass(slots=True)
class KeywordChange:
    """One of `keywords_attributes`: a new keyword (no id), a change, or a removal."""

    id: int | None = None
    keyword: str | None = None
    whole_word: bool | None = None
    destroy: bool = False


@dataclass(slots=True)
class FilterDraft:
    """A create (every field it needs) or an update (the fields sent). `expires_in` counts
    only with `set_expiry` (sent): then None or 0 means never."""

    title: str | None = None
    context: list[str] | None = None
    action: str | None = None
    expires_in: int | None = None
    set_expiry: bool = False
    keywords: list[KeywordChange] = dataclasses.field(default_factory=list)


# -- reading -----------------------------------------------------------------------------------


async def list_filters(ctx: Context, account: Account) -> list[Filter]:
    return await ctx.store.get_filters(account.id)


async def get_filter(ctx: Context, account: Account, filter_id: int) -> Filter:
    for found in await ctx.store.get_filters(account.id):
        if found.id == filter_id:
            return found
    raise NotFound("Record not found")


async def get_filter_keyword(
    ctx: Context, account: Account, keyword_id: int
) -> tuple[Filter, FilterKeyword]:
    for found in await ctx.store.get_filters(account.id):
        for keyword in found.keywords:
            if keyword.id == keyword_id:
                return found, keyword
    raise NotFound("Record not found")


async def get_filter_status(
    ctx: Context, account: Account, filter_status_id: int
) -> tuple[Filter, FilterStatus]:
    for found in await ctx.store.get_filters(account.id):
        for status in found.statuses:
            if status.id == filter_status_id:
                return found, status
    raise NotFound("Record not found")


# -- validation --------------------------------------------------------------------------------


def _check_keyword(keyword: str | None) -> str:
    keyword = (keyword or "").strip()
    if not keyword:
        raise InvalidInput("Validation failed: Keyword can't be blank")
    if len(keyword) > MAX_KEYWORD_LENGTH:
        raise InvalidInput(
            f"Validation failed: Keyword is too long (maximum is {MAX_KEYWORD_LENGTH} characters)"
        )
    return keyword


def _check(found: Filter) -> Filter:
    if not found.title.strip():
        raise InvalidInput("Validation failed: Title can't be blank")
    if len(found.title) > MAX_TITLE_LENGTH:
        raise InvalidInput(
            f"Validation failed: Title is too long (maximum is {MAX_TITLE_LENGTH} characters)"
        )
    if not found.context or any(c not in CONTEXTS for c in found.context):
        raise InvalidInput("Validation failed: Context none or invalid context supplied")
    if found.action not in ACTIONS:
        raise InvalidInput(f"Validation failed: '{found.action}' is not a valid filter_action")
    if len(found.keywords) > MAX_KEYWORDS:
        raise InvalidInput(f"Validation failed: A filter holds at most {MAX_KEYWORDS} keywords")
    if len(found.statuses) > MAX_STATUSES:
        raise InvalidInput(f"Validation failed: A filter holds at most {MAX_STATUSES} statuses")
    return found


def _expiry(ctx: Context, expires_in: int | None) -> object:
    if not expires_in:
        return None
    if expires_in < 0:
        raise InvalidInput("Validation failed: expires_in must be a positive number of seconds")
    return ctx.now() + timedelta(seconds=expires_in)


def _apply(ctx: Context, found: Filter, draft: FilterDraft) -> Filter:
    changes: dict[str, object] = {}
    if draft.title is not None:
        changes["title"] = draft.title.strip()
    if draft.context is not None:
        changes["context"] = tuple(dict.fromkeys(draft.context))
    if draft.action is not None:
        changes["action"] = draft.action
    if draft.set_expiry:
        changes["expires_at"] = _expiry(ctx, draft.expires_in)
    keywords = list(found.keywords)
    for change in draft.keywords:
        if change.id is None:
            if not change.destroy:
                keywords.append(
                    FilterKeyword(
                        ctx.new_id(),
                        _check_keyword(change.keyword),
                        True if change.whole_word is None else change.whole_word,
                    )
                )
            continue
        at = next((i for i, k in enumerate(keywords) if k.id == change.id), None)
        if at is None:
            raise NotFound("Record not found")
        if change.destroy:
            del keywords[at]
            continue
        old = keywords[at]
        keywords[at] = FilterKeyword(
            old.id,
            old.keyword if change.keyword is None else _check_keyword(change.keyword),
            old.whole_word if change.whole_word is None else change.whole_word,
        )
    changes["keywords"] = tuple(keywords)
    return _check(dataclasses.replace(found, **changes))  # type: ignore[arg-type]


# -- writing -----------------------------------------------------------------------------------


async def filters_changed(ctx: Context, account_id: int) -> None:
    """Hand the account's streams its filters (on every node). Best effort, as realtime is:
    the change is stored, and every REST read applies it."""
    if ctx.bus is None:
        return
    payload = orjson.dumps(filters_to_wire(await ctx.store.get_filters(account_id))).decode()
    try:
        await ctx.bus.publish([topics.shunning(account_id)], topics.FILTERS, payload, keep=False)
    except Exception:
        log.exception("stream filter refresh failed", extra={"account_id": account_id})


async def _change(
    ctx: Context, account: Account, filter_id: int, edit: Callable[[Filter], Filter]
) -> Filter:
    """Apply `edit` to the stored filter and save it, again on the newer copy if another
    save came in between."""
    for _ in range(SAVE_ATTEMPTS):
        found = await get_filter(ctx, account, filter_id)
        changed = edit(found)
        if await ctx.store.save_filter(changed):
            await filters_changed(ctx, account.id)
            return dataclasses.replace(changed, version=changed.version + 1)
    raise InvalidInput("Validation failed: the filter is being changed elsewhere; try again")


async def create_filter(ctx: Context, account: Account, draft: FilterDraft) -> Filter:
    if len(await ctx.store.get_filters(account.id)) >= MAX_FILTERS:
        raise InvalidInput(f"Validation failed: An account holds at most {MAX_FILTERS} filters")
    blank = Filter(
        id=ctx.new_id(),
        account_id=account.id,
        title=draft.title or "",
        context=tuple(dict.fromkeys(draft.context or ())),
        action=draft.action or "warn",
    )
    created = _apply(ctx, blank, dataclasses.replace(draft, title=None, context=None, action=None))
    await ctx.store.create_filter(created)
    await filters_changed(ctx, account.id)
    return created


async def update_filter(
    ctx: Context, account: Account, filter_id: int, draft: FilterDraft
) -> Filter:
    return await _change(ctx, account, filter_id, lambda found: _apply(ctx, found, draft))


async def remove_filter(ctx: Context, account: Account, filter_id: int) -> None:
    if not await ctx.store.remove_filter(account.id, filter_id):
        raise NotFound("Record not found")
    await filters_changed(ctx, account.id)


async def add_filter_keyword(
    ctx: Context, account: Account, filter_id: int, keyword: str | None, whole_word: bool
) -> FilterKeyword:
    added = FilterKeyword(ctx.new_id(), _check_keyword(keyword), whole_word)
    await _change(
        ctx,
        account,
        filter_id,
        lambda found: _check(dataclasses.replace(found, keywords=(*found.keywords, added))),
    )
    return added


async def update_filter_keyword(
    ctx: Context, account: Account, keyword_id: int, keyword: str | None, whole_word: bool | None
) -> FilterKeyword:
    owner, _ = await get_filter_keyword(ctx, account, keyword_id)
    change = KeywordChange(id=keyword_id, keyword=keyword, whole_word=whole_word)
    saved = await _change(
        ctx, account, owner.id, lambda found: _apply(ctx, found, FilterDraft(keywords=[change]))
    )
    return next(k for k in saved.keywords if k.id == keyword_id)


async def remove_filter_keyword(ctx: Context, account: Account, keyword_id: int) -> Filter:
    """Returns the filter as it is left."""
    owner, _ = await get_filter_keyword(ctx, account, keyword_id)
    change = KeywordChange(id=keyword_id, destroy=True)
    return await _change(
        ctx, account, owner.id, lambda found: _apply(ctx, found, FilterDraft(keywords=[change]))
    )


async def add_filter_status(
    ctx: Context, account: Account, filter_id: int, status_id: int
) -> FilterStatus:
    if not await load_visible(ctx, [status_id], account.id):
        raise InvalidInput("Validation failed: Status must exist")
    added = FilterStatus(ctx.new_id(), status_id)

    def edit(found: Filter) -> Filter:
        if any(s.status_id == status_id for s in found.statuses):
            raise InvalidInput("Validation failed: Status has already been taken")
        return _check(dataclasses.replace(found, statuses=(*found.statuses, added)))

    await _change(ctx, account, filter_id, edit)
    return added


async def remove_filter_status(ctx: Context, account: Account, filter_status_id: int) -> None:
    owner, _ = await get_filter_status(ctx, account, filter_status_id)
    await _change(
        ctx,
        account,
        owner.id,
        lambda found: dataclasses.replace(
            found, statuses=tuple(s for s in found.statuses if s.id != filter_status_id)
        ),
    )


# -- v1: a keyword seen as a filter ------------------------------------------------------------


@dataclass(slots=True)
class V1Draft:
    phrase: str | None = None
    context: list[str] | None = None
    irreversible: bool | None = None
    whole_word: bool | None = None
    expires_in: int | None = None
    set_expiry: bool = False


async def list_v1_filters(ctx: Context, account: Account) -> list[tuple[Filter, FilterKeyword]]:
    return [(f, k) for f in await ctx.store.get_filters(account.id) for k in f.keywords]


def _v1_fields(draft: V1Draft) -> FilterDraft:
    action = None if draft.irreversible is None else ("hide" if draft.irreversible else "warn")
    return FilterDraft(
        context=draft.context,
        action=action,
        expires_in=draft.expires_in,
        set_expiry=draft.set_expiry,
    )


async def create_v1_filter(
    ctx: Context, account: Account, draft: V1Draft
) -> tuple[Filter, FilterKeyword]:
    """A filter titled with the phrase, holding it as its one keyword (as Mastodon's)."""
    phrase = _check_keyword(draft.phrase)
    fields = _v1_fields(draft)
    fields.title = phrase
    fields.keywords = [
        KeywordChange(
            keyword=phrase, whole_word=True if draft.whole_word is None else draft.whole_word
        )
    ]
    created = await create_filter(ctx, account, fields)
    return created, created.keywords[0]


async def update_v1_filter(
    ctx: Context, account: Account, keyword_id: int, draft: V1Draft
) -> tuple[Filter, FilterKeyword]:
    owner, _ = await get_filter_keyword(ctx, account, keyword_id)
    fields = _v1_fields(draft)
    fields.keywords = [
        KeywordChange(
            id=keyword_id,
            keyword=None if draft.phrase is None else draft.phrase,
            whole_word=draft.whole_word,
        )
    ]

    def edit(found: Filter) -> Filter:
        changed = _apply(ctx, found, fields)
        touches_filter = (changed.context, changed.action, changed.expires_at) != (
            found.context,
            found.action,
            found.expires_at,
        )
        if touches_filter and len(found.keywords) > 1:
            # Mastodon's refusal: a v1 client would change every keyword of the v2 filter.
            raise InvalidInput(
                "Validation failed: You cannot edit a filter with more than one keyword"
                " through the v1 API"
            )
        return changed

    saved = await _change(ctx, account, owner.id, edit)
    return saved, next(k for k in saved.keywords if k.id == keyword_id)


async def remove_v1_filter(ctx: Context, account: Account, keyword_id: int) -> None:
    """The keyword goes; a filter left with neither keywords nor tweets goes with it."""
    left = await remove_filter_keyword(ctx, account, keyword_id)
    if not left.keywords and not left.statuses:
        await ctx.store.remove_filter(account.id, left.id)
        await filters_changed(ctx, account.id)
