"""`chirp admin ...`: the operator's moderation commands, on the store the servers use (the
same `CHIRP_*` settings). Each acts as the operator (no staff account needed), is written to
the audit log, and may be repeated: doing what is already done changes nothing and succeeds.
Exit codes: 0 done, 1 refused (the message says why), 2 bad usage (argparse)."""

from __future__ import annotations

import argparse
import secrets
from typing import TextIO

from chirp.bus import open_bus
from chirp.config import Settings
from chirp.core import accounts, moderation
from chirp.core.context import Context
from chirp.core.errors import ChirpError
from chirp.core.models import ROLES, Account, AccountModeration, Credentials, Page
from chirp.core.ports.errors import UniqueViolation
from chirp.core.ports.moderation import AdminAccountFilter
from chirp.core.secrets import Passwords
from chirp.operator_commands import OperatorError, operator_context

_LIST_LIMIT = 200


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    admin = commands.add_parser(
        "admin", help="moderation: accounts, roles, sign-ups, reports, audit log"
    ).add_subparsers(dest="admin_command", required=True)
    create = admin.add_parser("create", help="create an account (prints its password)")
    create.add_argument("username")
    create.add_argument("--email", required=True)
    create.add_argument("--role", choices=ROLES, help="a staff role for it")
    create.add_argument("--password", help="default: a generated one, printed once")
    role = admin.add_parser("role", help="change an account's role (`user`: no role)")
    role.add_argument("username")
    role.add_argument("role", choices=(*ROLES, "user"))
    password = admin.add_parser("password", help="reset a password and end every session")
    password.add_argument("username")
    password.add_argument("--password", help="default: a generated one, printed once")
    parsers = [create, role, password]
    for verb, text in (
        ("suspend", "suspend an account: its tokens end, its content disappears"),
        ("unsuspend", "lift a suspension"),
        ("silence", "limit an account's tweets to its followers"),
        ("unsilence", "lift a silence"),
        ("disable", "refuse the account's logins"),
        ("enable", "accept its logins again"),
        ("approve", "approve a pending sign-up"),
        ("reject", "reject a pending sign-up"),
    ):
        parser = admin.add_parser(verb, help=text)
        parser.add_argument("username")
        parsers.append(parser)
    parsers.append(admin.add_parser("pending", help="sign-ups waiting for approval"))
    reports = admin.add_parser("reports", help="unresolved reports (--all: resolved too)")
    reports.add_argument("--all", action="store_true")
    parsers.append(reports)
    parsers.append(admin.add_parser("audit", help="the moderators' actions, newest first"))
    for parser in parsers:
        parser.add_argument("--data-dir", help="embedded data directory (CHIRP_DATA_DIR)")


async def run(args: argparse.Namespace, settings: Settings, out: TextIO) -> None:
    async with operator_context(settings) as ctx:
        # Passwords set here are hashed at the servers' cost, not the tools' (see
        # `operator_context`).
        ctx.passwords = Passwords(
            time_cost=settings.argon2_time_cost,
            memory_kib=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        )
        # With a shared bus, a suspension closes the account's streams on every server now.
        # With the embedded one this process cannot reach the server's sockets: its tokens are
        # refused at once, but streams already open stay until they reconnect.
        if not settings.bus.startswith("memory:"):
            ctx.bus = open_bus(
                settings.bus, history=settings.bus_history, per_topic=settings.bus_topic_history
            )
        try:
            await _dispatch(ctx, args, out)
        except ChirpError as error:
            raise OperatorError(error.message.removeprefix("Validation failed: ")) from None
        finally:
            if ctx.bus is not None:
                await ctx.bus.close()


async def _account(ctx: Context, username: str) -> Account:
    found = await ctx.store.get_account_by_username(username.lstrip("@"))
    if found is None:
        raise OperatorError(f"no account @{username.lstrip('@')}")
    return found


async def _dispatch(ctx: Context, args: argparse.Namespace, out: TextIO) -> None:
    command = args.admin_command
    if command == "create":
        await _create(ctx, args, out)
    elif command == "role":
        target = await _account(ctx, args.username)
        role = None if args.role == "user" else args.role
        await moderation.set_role(ctx, None, target.id, role)
        out.write(f"@{target.username} is now {args.role}\n")
    elif command == "password":
        target = await _account(ctx, args.username)
        new = args.password or secrets.token_urlsafe(18)
        await moderation.reset_password(ctx, None, target.id, new)
        out.write(f"@{target.username}'s password was reset; sessions ended\n")
        if not args.password:
            out.write(f"password: {new}\n")
    elif command in ("suspend", "silence", "disable"):
        target = await _account(ctx, args.username)
        await moderation.act_on_account(ctx, None, target.id, command)
        out.write(f"@{target.username} {_DONE[command]}\n")
    elif command in ("unsuspend", "unsilence", "enable"):
        target = await _account(ctx, args.username)
        await moderation.undo_action(ctx, None, target.id, command)
        out.write(f"@{target.username} {_DONE[command]}\n")
    elif command in ("approve", "reject"):
        target = await _account(ctx, args.username)
        record = await moderation.get_moderation(ctx, target.id)
        if command == "approve":
            await moderation.approve_account(ctx, None, target.id)
        elif not record.approved or record.suspended_at is not None:
            await moderation.reject_account(ctx, None, target.id)
        else:
            raise OperatorError(f"@{target.username} is not pending approval")
        out.write(f"@{target.username} {_DONE[command]}\n")
    elif command == "pending":
        await _pending(ctx, out)
    elif command == "reports":
        await _reports(ctx, out, everything=args.all)
    else:
        await _audit(ctx, out)


_DONE = {
    "suspend": "is suspended",
    "unsuspend": "is no longer suspended",
    "silence": "is silenced",
    "unsilence": "is no longer silenced",
    "disable": "cannot log in",
    "enable": "can log in",
    "approve": "is approved",
    "reject": "is rejected",
}


async def _create(ctx: Context, args: argparse.Namespace, out: TextIO) -> None:
    """Idempotent: an existing account with this username and email only gets the role."""
    existing = await ctx.store.get_account_by_username(args.username)
    if existing is not None:
        credentials = await ctx.store.get_credentials(existing.id)
        if credentials is None or credentials.email.lower() != args.email.lower():
            raise OperatorError(f"@{existing.username} exists with another email")
        if args.role is not None:
            await moderation.set_role(ctx, None, existing.id, args.role)
        out.write(f"@{existing.username} exists{f' ({args.role})' if args.role else ''}\n")
        return
    password = args.password or secrets.token_urlsafe(18)
    form = accounts.SignUp(
        username=args.username, email=args.email, password=password, agreement=True
    )
    accounts.check_sign_up(form, password_min=ctx.settings.password_min_length)
    now = ctx.now()
    account = Account(
        id=ctx.new_id(), username=args.username, display_name="", note="", created_at=now
    )
    credentials = Credentials(
        account_id=account.id,
        email=args.email,
        password_hash=await ctx.passwords.hash(password),
        created_at=now,
    )
    try:
        await ctx.store.create_account(account, credentials)
    except UniqueViolation as taken:
        raise OperatorError(f"that {taken.field} is already taken") from None
    if args.role is not None:
        await moderation.set_role(ctx, None, account.id, args.role)
    out.write(f"@{account.username} created{f' ({args.role})' if args.role else ''}\n")
    if not args.password:
        out.write(f"password: {password}\n")


async def _pending(ctx: Context, out: TextIO) -> None:
    ids = await ctx.store.list_admin_accounts(
        AdminAccountFilter(status="pending"), Page(limit=_LIST_LIMIT)
    )
    found = await ctx.store.get_accounts(ids)
    records = await moderation.get_moderations(ctx, ids)
    for account_id in ids:
        if account_id in found:
            reason = records.get(account_id, AccountModeration(account_id)).reason
            credentials = await ctx.store.get_credentials(account_id)
            email = credentials.email if credentials else "-"
            out.write(f"@{found[account_id].username}\t{email}\t{reason or '-'}\n")


async def _reports(ctx: Context, out: TextIO, *, everything: bool) -> None:
    found = await moderation.list_admin_reports(
        ctx, None, Page(limit=_LIST_LIMIT), resolved=None if everything else False
    )
    people = await ctx.store.get_accounts(
        a for r in found for a in (r.account_id, r.target_account_id)
    )

    def name(account_id: int) -> str:
        return f"@{people[account_id].username}" if account_id in people else str(account_id)

    for r in found:
        state = "resolved" if r.action_taken_at is not None else "open"
        out.write(
            f"{r.id}\t{r.created_at.strftime('%Y-%m-%dT%H:%MZ')}\t{state}\t{r.category}\t"
            f"{name(r.account_id)} -> {name(r.target_account_id)}\t{r.comment or '-'}\n"
        )


async def _audit(ctx: Context, out: TextIO) -> None:
    entries = await moderation.list_audit(ctx, Page(limit=_LIST_LIMIT))
    actors = await ctx.store.get_accounts(e.account_id for e in entries if e.account_id)
    targets = await ctx.store.get_accounts(
        e.target_id for e in entries if e.target_type == "account"
    )
    for e in entries:
        actor = f"@{actors[e.account_id].username}" if e.account_id in actors else "operator"
        target = (
            f"@{targets[e.target_id].username}"
            if e.target_type == "account" and e.target_id in targets
            else f"{e.target_type} {e.target_id}"
        )
        out.write(
            f"{e.created_at.strftime('%Y-%m-%dT%H:%M:%SZ')}\t{actor}\t{e.action}\t{target}"
            f"\t{e.text or '-'}\n"
        )
