"""The renderer: what the streams carry, as the REST reads show it.

A tweet is serialized once per event, without viewer state (as Mastodon's streaming does), and
the same text goes to all its topics, tagged with the accounts it involves and the text content
filters match (`chirp.realtime.involved`) so each socket's filters need no JSON parsing.
Notifications and conversations are rendered for their one reader.
"""

from __future__ import annotations

from chirp.core.context import Context
from chirp.core.direct_conversations import participants_shown
from chirp.core.filter_matching import hides, subject_text
from chirp.core.models import Conversation, Notification, Status
from chirp.core.views import StatusBundle, load_bundle, load_notification_bundle, load_visible
from chirp.realtime import involved
from chirp.realtime.publish import dumps
from chirp.serializers.conversations import conversation_json
from chirp.serializers.notifications import notification_json
from chirp.serializers.polls import poll_counts_json
from chirp.serializers.statuses import StatusSerializer


def involved_ids(status: Status, statuses: dict[int, Status]) -> list[int]:
    """Its author first, then the retweeted and quoted authors, replied-to and mentioned
    accounts: a subscriber shunning any of them does not get it (`chirp.realtime.involved`)."""
    ids = [status.account_id]
    for subject in (status, statuses.get(status.reblog_of_id or 0)):
        if subject is None:
            continue
        ids.append(subject.account_id)
        ids.extend(subject.mention_ids)
        if subject.in_reply_to_account_id is not None:
            ids.append(subject.in_reply_to_account_id)
        quoted = statuses.get(subject.quote_of_id or 0)
        if quoted is not None:
            ids.append(quoted.account_id)
    return ids


def _subject(status: Status, bundle: StatusBundle) -> involved.Subject:
    """What each subscriber's content filters match the tweet on (its original's text)."""
    original = bundle.statuses.get(status.reblog_of_id or 0)
    subject = original or status
    media = (bundle.media[m] for m in subject.media_ids if m in bundle.media)
    text = subject_text(subject, bundle.polls.get(subject.id), media)
    ids = (status.id, subject.id) if subject is not status else (status.id,)
    return involved.Subject(ids, text)


class Renderer:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def status(self, status: Status) -> str:
        """The tweet's JSON, with the accounts it involves beside it for the hub's filters."""
        bundle = await load_bundle(self.ctx, [status], None)
        body = dumps(StatusSerializer(bundle, self.ctx.settings).status(status))
        return involved.tag(body, involved_ids(status, bundle.statuses), _subject(status, bundle))

    async def notification(self, notification: Notification) -> str | None:
        """Its JSON for its recipient; None if their `hide` filters leave it out."""
        bundle = await load_notification_bundle(self.ctx, [notification], notification.account_id)
        if notification.status_id is not None and hides(
            bundle.filtered.get(notification.status_id, ())
        ):
            return None
        body = notification_json(notification, StatusSerializer(bundle, self.ctx.settings))
        return dumps(body) if body is not None else None

    async def conversation(self, conversation: Conversation) -> str:
        """Mastodon's `direct` stream carries conversations: the reader's own, as its REST
        read shows it (`conversation_json` for that reader)."""
        reader = conversation.account_id
        shown = await load_visible(self.ctx, [conversation.last_status_id], reader)
        bundle = await load_bundle(
            self.ctx, shown, reader, extra_account_ids=participants_shown(conversation)
        )
        body = conversation_json(
            conversation, StatusSerializer(bundle, self.ctx.settings), shown[0] if shown else None
        )
        who = involved_ids(shown[0], bundle.statuses) if shown else []
        return involved.tag(dumps(body), who)

    async def counts(self, status_ids: set[int]) -> list[tuple[int, str]]:
        """Live counters (`status.counts`, a Chirp extension) of these tweets: everyone on the
        stream sees them, so no viewer's own votes."""
        found = await self.ctx.store.get_statuses(status_ids)
        polls = await self.ctx.store.get_polls_of_statuses(found) if found else {}
        rendered = []
        for status in found.values():
            counts: dict[str, object] = {
                "id": str(status.id),
                "replies_count": status.replies_count,
                "reblogs_count": status.reblogs_count,
                "favourites_count": status.favourites_count,
                "quotes_count": status.quotes_count,
            }
            if status.id in polls:
                counts["poll"] = poll_counts_json(polls[status.id], self.ctx.now())
            rendered.append((status.id, dumps(counts)))
        return rendered
