"""Users' reports of accounts (and some of their tweets) to the moderators, as Mastodon's
`POST /api/v1/reports`: the reported tweets must be the account's, the rules named must be the
server's (`instance_rules`), and only `violation` reports keep them."""

from __future__ import annotations

from chirp.core import staff_notifications
from chirp.core.context import Context
from chirp.core.errors import InvalidInput, NotFound
from chirp.core.instance import instance_rules
from chirp.core.models import Account, Report
from chirp.core.visibility import suspended_among

CATEGORIES = ("spam", "legal", "violation", "other")
COMMENT_MAX = 1000
STATUSES_MAX = 100


async def file_report(
    ctx: Context,
    reporter: Account,
    target_id: int,
    *,
    status_ids: list[int],
    category: str | None,
    rule_ids: list[int],
    comment: str,
    forward: bool,
) -> tuple[Report, Account]:
    """Record a report for the moderators; returns it and the account reported. `forward`
    asks to send a copy to the account's server: every account here is local, so it is kept
    only as asked."""
    target = await ctx.store.get_account(target_id)
    if target is None or await suspended_among(ctx, [target.id]):
        raise NotFound("Record not found")
    if target.id == reporter.id:
        raise InvalidInput("Validation failed: You cannot report yourself")
    if len(comment) > COMMENT_MAX:
        raise InvalidInput(f"Validation failed: Comment is too long (maximum is {COMMENT_MAX})")
    category, rule_ids = check_category(ctx, category, rule_ids)
    status_ids = list(dict.fromkeys(status_ids))
    if len(status_ids) > STATUSES_MAX:
        raise InvalidInput(f"Validation failed: at most {STATUSES_MAX} statuses per report")
    found = await ctx.store.get_statuses(status_ids)
    if any(s not in found or found[s].account_id != target.id for s in status_ids):
        raise NotFound("Record not found")
    report = Report(
        id=ctx.new_id(),
        account_id=reporter.id,
        target_account_id=target.id,
        category=category,
        comment=comment,
        created_at=ctx.now(),
        status_ids=tuple(status_ids),
        rule_ids=tuple(rule_ids),
        forwarded=forward,
    )
    await ctx.store.create_report(report)
    await staff_notifications.announce_report(ctx, report)
    return report, target


def check_category(
    ctx: Context, category: str | None, rule_ids: list[int]
) -> tuple[str, list[int]]:
    """The category (default: `violation` if rules are named, else `other`) and the rules a
    report keeps: those of a violation, which must name at least one of the server's rules."""
    if category is None:
        category = "violation" if rule_ids else "other"
    if category not in CATEGORIES:
        raise InvalidInput(f"Validation failed: Category must be one of {', '.join(CATEGORIES)}")
    if category != "violation":
        return category, []
    known = {int(rule.id) for rule in instance_rules(ctx.settings)}
    rule_ids = list(dict.fromkeys(rule_ids))
    if not rule_ids or any(r not in known for r in rule_ids):
        raise InvalidInput("Validation failed: Rule ids must name the server's rules")
    return category, rule_ids
