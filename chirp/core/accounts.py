"""Account use cases: sign up, look up, update the profile."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from chirp.core import staff_notifications
from chirp.core import text as text_rules
from chirp.core.context import Context
from chirp.core.errors import Forbidden, InvalidInput, NotFound, ValidationFailed
from chirp.core.events import AccountUnlocked, outbox_row
from chirp.core.languages import is_language
from chirp.core.models import (
    Account,
    AccountModeration,
    AccountSource,
    App,
    Credentials,
    ProfileField,
)
from chirp.core.moderation import may_log_in
from chirp.core.ports.errors import UniqueViolation
from chirp.core.visibility import suspended_among

USERNAME_MAX = 30
FIELDS_MAX = 4
FIELD_PART_MAX = 255
# What an account's default visibility may be (`source[privacy]`): not `direct`, as in Mastodon.
DEFAULT_PRIVACIES = ("public", "unlisted", "private")
DISPLAY_NAME_MAX = 30
NOTE_MAX = 500
PASSWORD_MAX = 256
EMAIL_MAX = 254
# Mastodon's handle rule: letters, digits and underscores, with dots and dashes only inside.
# ASCII only: plain IGNORECASE also matches lookalikes (U+0131 dotless i, U+212A Kelvin sign).
_USERNAME = re.compile(r"[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?", re.IGNORECASE | re.ASCII)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
RESERVED_USERNAMES = frozenset(
    [
        "admin",
        "administrator",
        "root",
        "webmaster",
        "hostmaster",
        "postmaster",
        "support",
        "help",
        "abuse",
        "security",
        "staff",
        "moderator",
        "mod",
        "owner",
        "system",
        "api",
        "oauth",
        "auth",
        "login",
        "logout",
        "signup",
        "settings",
        "about",
        "explore",
        "search",
        "public",
        "local",
        "home",
        "notifications",
        "chirp",
        "well-known",
        "null",
        "undefined",
    ]
)
COMMON_PASSWORDS = frozenset(
    [
        "password",
        "password1",
        "password123",
        "12345678",
        "123456789",
        "1234567890",
        "qwertyuiop",
        "qwerty123",
        "iloveyou",
        "letmein1",
        "11111111",
        "00000000",
        "abcd1234",
        "sunshine",
        "princess",
        "football",
        "baseball",
        "welcome1",
        "trustno1",
        "passw0rd",
        "superman",
    ]
)


@dataclass(slots=True)
class SignUp:
    username: str
    email: str
    password: str
    agreement: bool
    locale: str = "en"
    reason: str = ""  # why they want to join: required where sign-ups need approval


def _error(field: str, code: str, description: str) -> dict[str, list[dict[str, str]]]:
    return {field: [{"error": code, "description": description}]}


def _fail(details: dict[str, list[dict[str, str]]]) -> ValidationFailed:
    summary = ", ".join(
        f"{field.capitalize()} {entry['description']}"
        for field, entries in details.items()
        for entry in entries
    )
    return ValidationFailed(f"Validation failed: {summary}", details=details)


def check_sign_up(
    form: SignUp,
    *,
    password_min: int,
    reason_required: bool = False,
    blocked_domains: frozenset[str] = frozenset(),
) -> None:
    """Every rule a sign-up must pass, reported together as Mastodon does."""
    details: dict[str, list[dict[str, str]]] = {}
    username = form.username
    if not username:
        details |= _error("username", "ERR_BLANK", "can't be blank")
    elif len(username) > USERNAME_MAX:
        details |= _error("username", "ERR_TOO_LONG", f"is too long (maximum is {USERNAME_MAX})")
    elif not _USERNAME.fullmatch(username):
        details |= _error(
            "username", "ERR_INVALID", "must contain only letters, numbers and underscores"
        )
    elif username.lower() in RESERVED_USERNAMES:
        details |= _error("username", "ERR_RESERVED", "is reserved")
    if not form.email:
        details |= _error("email", "ERR_BLANK", "can't be blank")
    elif len(form.email) > EMAIL_MAX or not _EMAIL.fullmatch(form.email):
        details |= _error("email", "ERR_INVALID", "is invalid")
    elif email_domain_blocked(form.email, blocked_domains):
        details |= _error("email", "ERR_BLOCKED", "uses a disallowed e-mail provider")
    password = form.password
    if not password:
        details |= _error("password", "ERR_BLANK", "can't be blank")
    elif len(password) < password_min:
        details |= _error("password", "ERR_TOO_SHORT", f"is too short (minimum is {password_min})")
    elif len(password) > PASSWORD_MAX:
        details |= _error("password", "ERR_TOO_LONG", f"is too long (maximum is {PASSWORD_MAX})")
    elif password.lower() in COMMON_PASSWORDS or password.lower() in {
        username.lower(),
        form.email.lower(),
    }:
        details |= _error("password", "ERR_INVALID", "is too easy to guess")
    if not form.agreement:
        details |= _error("agreement", "ERR_ACCEPTED", "must be accepted")
    if reason_required and not form.reason.strip():
        details |= _error("reason", "ERR_BLANK", "can't be blank")
    if details:
        raise _fail(details)


def email_domain_blocked(email: str, blocked: frozenset[str]) -> bool:
    """Whether the address's domain, or one it is under, is on the block list."""
    domain = email.rpartition("@")[2].lower().rstrip(".")
    parts = domain.split(".")
    return any(".".join(parts[i:]) in blocked for i in range(len(parts)))


async def register_account(ctx: Context, app: App, form: SignUp) -> Account:
    """Create an account and its credentials; the caller issues the first token. Where
    sign-ups need approval, the account is pending (its token refused) until a moderator
    approves it."""
    mode = ctx.settings.registration_mode
    if mode == "closed":
        raise Forbidden("Registrations are closed on this server")
    check_sign_up(
        form,
        password_min=ctx.settings.password_min_length,
        reason_required=mode == "approval",
        blocked_domains=ctx.settings.blocked_email_domains,
    )
    now = ctx.now()
    account = Account(
        id=ctx.new_id(), username=form.username, display_name="", note="", created_at=now
    )
    if mode == "approval":
        # Written before the account, so it is never usable without its approval (a failed
        # sign-up leaves a row for an account id that never exists, which no list shows).
        await ctx.store.save_moderation(
            AccountModeration(
                account_id=account.id, approved=False, reason=form.reason.strip(), updated_at=now
            )
        )
    credentials = Credentials(
        account_id=account.id,
        email=form.email,
        password_hash=await ctx.passwords.hash(form.password),
        locale=form.locale,
        created_at=now,
    )
    try:
        await ctx.store.create_account(account, credentials)
    except UniqueViolation as taken:
        raise _fail(_error(taken.field, "ERR_TAKEN", "is already taken")) from taken
    await staff_notifications.announce_sign_up(ctx, account.id)
    return account


async def authenticate_user(ctx: Context, login: str, password: str) -> Account | None:
    """The account whose email (or handle) and password match, else None. Constant-time-ish."""
    credentials = await ctx.store.get_credentials_by_email(login)
    if credentials is None and "@" not in login:
        account = await ctx.store.get_account_by_username(login)
        if account is not None:
            credentials = await ctx.store.get_credentials(account.id)
    ok = await ctx.passwords.verify(password, credentials.password_hash if credentials else None)
    if not ok or credentials is None:
        return None
    moderation = await ctx.store.get_moderations([credentials.account_id])
    if not may_log_in(moderation.get(credentials.account_id)):
        return None
    return await ctx.store.get_account(credentials.account_id)


async def get_account(ctx: Context, account_id: int) -> Account:
    account = await ctx.store.get_account(account_id)
    if account is None or await suspended_among(ctx, [account.id]):
        raise NotFound("Record not found")
    return account


async def get_credentials(ctx: Context, account: Account) -> Credentials | None:
    """The account's own login settings (email, locale), for its `source` block."""
    return await ctx.store.get_credentials(account.id)


async def lookup_account(ctx: Context, acct: str) -> Account:
    """Resolve `user`, `@user` or `user@our.domain`; other domains are not known here."""
    username, _, domain = acct.strip().lstrip("@").partition("@")
    if domain and domain.lower() != ctx.settings.domain.lower():
        raise NotFound("Record not found")
    account = await ctx.store.get_account_by_username(username) if username else None
    if account is None or await suspended_among(ctx, [account.id]):
        raise NotFound("Record not found")
    return account


def _clean_text(value: str) -> str:
    """Normalize to NFC and drop control characters other than newlines and tabs."""
    value = unicodedata.normalize("NFC", value)
    return "".join(c for c in value if c in "\n\t" or unicodedata.category(c) != "Cc")


async def update_profile(
    ctx: Context,
    account: Account,
    *,
    display_name: str | None = None,
    note: str | None = None,
    locked: bool | None = None,
    bot: bool | None = None,
    discoverable: bool | None = None,
    fields: list[tuple[str, str]] | None = None,
    privacy: str | None = None,
    sensitive: bool | None = None,
    language: str | None = None,
) -> Account:
    """Change the profile and posting defaults. Unlocking an account authorizes the follow
    requests it still has pending (the `account.unlocked` event's step), as Mastodon does."""
    if display_name is not None:
        display_name = _clean_text(display_name).replace("\n", " ").strip()
        if len(display_name) > DISPLAY_NAME_MAX:
            raise InvalidInput(
                f"Validation failed: Display name is too long (maximum is {DISPLAY_NAME_MAX})"
            )
    if note is not None:
        note = _clean_text(note).strip()
        if len(note) > NOTE_MAX:
            raise InvalidInput(f"Validation failed: Note is too long (maximum is {NOTE_MAX})")
    if privacy is not None and privacy not in DEFAULT_PRIVACIES:
        raise InvalidInput(
            f"Validation failed: Privacy must be one of {', '.join(DEFAULT_PRIVACIES)}"
        )
    if language is not None:
        language = language.strip().lower()
        if language and not is_language(language):
            raise InvalidInput("Validation failed: Language is not a known ISO 639-1 code")
    rendered = await _profile_fields(ctx, fields) if fields is not None else None
    event = None
    if locked is False and account.locked:
        event = outbox_row(ctx, AccountUnlocked(account.id))
    updated = await ctx.store.update_account_profile(
        account.id,
        updated_at=ctx.now(),
        display_name=display_name,
        note=note,
        locked=locked,
        bot=bot,
        discoverable=discoverable,
        fields=rendered,
        default_privacy=privacy,
        default_sensitive=sensitive,
        default_language=language,
        event=event,
    )
    if updated is None:
        raise NotFound("Record not found")
    if event is not None:
        ctx.wake_dispatcher()
    return updated


async def _profile_fields(ctx: Context, pairs: list[tuple[str, str]]) -> list[ProfileField]:
    """Mastodon's rules: pairs with neither name nor value are dropped; at most
    `FIELDS_MAX` remain, each part at most `FIELD_PART_MAX` characters. Values are rendered
    once, with links (marked `rel="me"`), hashtags and local mentions, as Mastodon shows them."""
    cleaned = [
        (
            _clean_text(name).replace("\n", " ").strip(),
            _clean_text(value).replace("\n", " ").strip(),
        )
        for name, value in pairs
    ]
    kept = [(name, value) for name, value in cleaned if name or value]
    if len(kept) > FIELDS_MAX:
        raise InvalidInput(f"Validation failed: Fields is too long (maximum is {FIELDS_MAX})")
    for name, value in kept:
        if len(name) > FIELD_PART_MAX or len(value) > FIELD_PART_MAX:
            raise InvalidInput(
                "Validation failed: Fields name and value are each at most"
                f" {FIELD_PART_MAX} characters"
            )
    tokens = {value: text_rules.tokenize(value) for _, value in kept}
    names = [n for t in tokens.values() for n in text_rules.mention_names(t, ctx.settings.domain)]
    known = await ctx.store.get_accounts_by_usernames(names)

    def resolve(name: str, domain: str | None) -> str | None:
        found = known.get(name.lower())
        return found.username if found else None

    fields = []
    for name, value in kept:
        html = text_rules.render_html(
            value, tokens[value], base_url=ctx.settings.base_url, resolve_mention=resolve
        )
        html = html.removeprefix("<p>").removesuffix("</p>")
        fields.append(ProfileField(name, value, html.replace(_LINK_REL, _LINK_REL_ME)))
    return fields


_LINK_REL = 'rel="nofollow noopener"'
_LINK_REL_ME = 'rel="nofollow noopener me"'


async def get_accounts(ctx: Context, account_ids: list[int]) -> list[Account]:
    """The accounts that exist among `account_ids` and are not suspended, in the order asked,
    each once."""
    found = await ctx.store.get_accounts(account_ids)
    gone = await suspended_among(ctx, found)
    return [found[a] for a in dict.fromkeys(account_ids) if a in found and a not in gone]


async def get_source(ctx: Context, account: Account) -> AccountSource:
    """What `source` of a CredentialAccount needs beyond the account itself."""
    credentials = await ctx.store.get_credentials(account.id)
    return AccountSource(
        locale=credentials.locale if credentials else None,
        follow_requests_count=await ctx.store.count_follow_requests(account.id),
        role=await role_of(ctx, account.id),
    )


async def role_of(ctx: Context, account_id: int) -> str | None:
    """The account's staff role (`owner`, `admin`, `moderator`), if any."""
    found = await ctx.store.get_moderations([account_id])
    return found[account_id].role if account_id in found else None
