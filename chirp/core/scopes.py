"""OAuth scopes as Mastodon defines them: top-level scopes imply their granular sub-scopes."""

from __future__ import annotations

from collections.abc import Iterable

from chirp.core.errors import OAuthError

READ_SCOPES = frozenset(
    "read:" + s
    for s in [
        "accounts",
        "blocks",
        "bookmarks",
        "favourites",
        "filters",
        "follows",
        "lists",
        "mutes",
        "notifications",
        "search",
        "statuses",
    ]
)
WRITE_SCOPES = frozenset(
    "write:" + s
    for s in [
        "accounts",
        "blocks",
        "bookmarks",
        "conversations",
        "favourites",
        "filters",
        "follows",
        "lists",
        "media",
        "mutes",
        "notifications",
        "reports",
        "statuses",
    ]
)
# `follow` is Mastodon's legacy bundle of the relationship sub-scopes.
FOLLOW_SCOPES = frozenset(
    {"read:blocks", "read:follows", "read:mutes", "write:blocks", "write:follows", "write:mutes"}
)
_IMPLIED = {"read": READ_SCOPES, "write": WRITE_SCOPES, "follow": FOLLOW_SCOPES}
# Staff's scopes: never implied by `read` or `write` (as in Mastodon), asked for by name;
# `admin:read` and `admin:write` grant their sub-scopes.
ADMIN_READ_SCOPES = frozenset({"admin:read:accounts", "admin:read:reports"})
ADMIN_WRITE_SCOPES = frozenset({"admin:write:accounts", "admin:write:reports"})
_IMPLIED |= {"admin:read": ADMIN_READ_SCOPES, "admin:write": ADMIN_WRITE_SCOPES}
KNOWN_SCOPES = (
    frozenset({"read", "write", "follow", "push", "profile", "admin:read", "admin:write"})
    | READ_SCOPES
    | WRITE_SCOPES
    | ADMIN_READ_SCOPES
    | ADMIN_WRITE_SCOPES
)
DEFAULT_SCOPES = ("read",)


def parse_scopes(
    raw: str | Iterable[str] | None, *, default: Iterable[str] = DEFAULT_SCOPES
) -> tuple[str, ...]:
    """Split a scope string (space or `+` separated) into known scopes; unknown ones are an error."""
    if raw is None:
        items: list[str] = []
    elif isinstance(raw, str):
        items = raw.replace("+", " ").split()
    else:
        items = [part for item in raw for part in str(item).replace("+", " ").split()]
    if not items:
        items = list(default)
    unknown = [s for s in items if s not in KNOWN_SCOPES]
    if unknown:
        raise OAuthError("invalid_scope", f"Unknown scope: {' '.join(unknown)}")
    return tuple(dict.fromkeys(items))


def expand(scopes: Iterable[str]) -> frozenset[str]:
    """Every scope granted, with top-level scopes unfolded into their sub-scopes."""
    granted = set(scopes)
    for scope in list(granted):
        granted |= _IMPLIED.get(scope, frozenset())
    return frozenset(granted)


def is_subset(requested: Iterable[str], allowed: Iterable[str]) -> bool:
    """Whether every requested scope is covered by what the app (or parent token) allows."""
    return expand(requested) <= expand(allowed)


def allows(granted: Iterable[str], required: str) -> bool:
    """Whether a token holding `granted` may use an endpoint needing `required` (e.g. `read:accounts`)."""
    return required in expand(granted)
