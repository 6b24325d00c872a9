"""Discovery documents: WebFinger JRD, host-meta XRD (and its JSON form), NodeInfo."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import quoteattr

from chirp import __version__
from chirp.config import Settings
from chirp.core.discovery import NodeUsage
from chirp.core.models import Account

NODEINFO_VERSIONS = ("2.0", "2.1")
PROFILE_PAGE = "http://webfinger.net/rel/profile-page"


def nodeinfo_schema(version: str) -> str:
    return f"http://nodeinfo.diaspora.software/ns/schema/{version}"


def webfinger_json(account: Account, settings: Settings) -> dict[str, Any]:
    base = settings.base_url
    profile = f"{base}/@{account.username}"
    return {
        "subject": f"acct:{account.username}@{settings.domain}",
        "aliases": [profile],
        "links": [
            {"rel": PROFILE_PAGE, "type": "text/html", "href": profile},
            # Not federated, so no ActivityPub actor: `self` is the account as the API serves it.
            {
                "rel": "self",
                "type": "application/json",
                "href": f"{base}/api/v1/accounts/{account.id}",
            },
        ],
    }


def _lrdd_template(settings: Settings) -> str:
    return f"{settings.base_url}/.well-known/webfinger?resource={{uri}}"


def host_meta_xml(settings: Settings) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template={quoteattr(_lrdd_template(settings))}/>\n'
        "</XRD>\n"
    )


def host_meta_json(settings: Settings) -> dict[str, Any]:
    return {"links": [{"rel": "lrdd", "template": _lrdd_template(settings)}]}


def nodeinfo_links(settings: Settings) -> dict[str, Any]:
    return {
        "links": [
            {"rel": nodeinfo_schema(v), "href": f"{settings.base_url}/nodeinfo/{v}"}
            for v in NODEINFO_VERSIONS
        ]
    }


def nodeinfo_json(version: str, usage: NodeUsage, settings: Settings) -> dict[str, Any]:
    software: dict[str, Any] = {"name": "chirp", "version": __version__}
    if version != "2.0":
        software["repository"] = "https://github.com/chirp-social/chirp"
        software["homepage"] = "https://github.com/chirp-social/chirp"
    stats = usage.stats
    return {
        "version": version,
        "software": software,
        "protocols": [],  # not federated: no server-to-server protocol is spoken
        "services": {"outbound": [], "inbound": []},
        "usage": {
            "users": {
                "total": stats.users,
                "activeMonth": stats.active_month,
                "activeHalfyear": stats.active_halfyear,
            },
            "localPosts": stats.statuses,
        },
        "openRegistrations": usage.open_registrations,
        "metadata": {
            "nodeName": settings.instance_title,
            "nodeDescription": settings.instance_description,
        },
    }
