"""Instance metadata (v1 and v2) and the OAuth server metadata document (RFC 8414)."""

from __future__ import annotations

from typing import Any

from chirp import __version__
from chirp.config import Settings
from chirp.core import polls
from chirp.core.engagement import MAX_PINS
from chirp.core.instance import (
    InstanceStats,
    InstanceText,
    Rule,
    TermsOfService,
    instance_rules,
    terms_of_service,
)
from chirp.core.media import DESCRIPTION_MAX, MAX_ATTACHMENTS
from chirp.core.scopes import KNOWN_SCOPES
from chirp.core.tags import FEATURED_LIMIT
from chirp.core.text import URL_WEIGHT
from chirp.media.jobs import accepted_types
from chirp.media.video import MAX_FPS
from chirp.serializers.accounts import DEFAULT_HEADER_PATH
from chirp.serializers.common import iso, plain_to_html

# Mastodon clients gate features on this version string; 4.3.0 enables the v2 APIs and still
# allows the password grant (removed in 4.4).
MASTODON_COMPAT_VERSION = "4.3.0"


# Mastodon's API version this serves (clients gate the v2 notifications and the like on it).
MASTODON_API_VERSION = 2
# The pages the v2 document links to (`chirp.handlers.instance` serves them).
ABOUT_PATH = "/about"
PRIVACY_POLICY_PATH = "/privacy-policy"
TERMS_OF_SERVICE_PATH = "/terms-of-service"


def version_string() -> str:
    return f"{MASTODON_COMPAT_VERSION} (compatible; Chirp {__version__})"


def _configuration(settings: Settings) -> dict[str, Any]:
    """Limits clients read before offering a feature. Only what Chirp serves and enforces:
    every figure is the constant or setting the code enforces."""
    return {
        "accounts": {"max_featured_tags": FEATURED_LIMIT, "max_pinned_statuses": MAX_PINS},
        "statuses": {
            "max_characters": settings.max_toot_chars,
            "max_media_attachments": MAX_ATTACHMENTS,
            "characters_reserved_per_url": URL_WEIGHT,
        },
        "media_attachments": {
            "supported_mime_types": accepted_types(),
            "image_size_limit": settings.media_image_max_bytes,
            "image_matrix_limit": settings.media_image_max_pixels,
            "video_size_limit": settings.media_video_max_bytes,
            "video_frame_rate_limit": MAX_FPS,
            "video_matrix_limit": settings.media_video_max_pixels,
            "description_limit": DESCRIPTION_MAX,
        },
        "polls": {
            "max_options": polls.MAX_OPTIONS,
            "max_characters_per_option": polls.MAX_CHARACTERS_PER_OPTION,
            "min_expiration": polls.MIN_EXPIRATION,
            "max_expiration": polls.MAX_EXPIRATION,
        },
        "translation": {"enabled": False},
    }


def rule_json(rule: Rule) -> dict[str, Any]:
    return {"id": rule.id, "text": rule.text, "hint": rule.hint, "translations": {}}


def _rules(settings: Settings) -> list[dict[str, Any]]:
    return [rule_json(rule) for rule in instance_rules(settings)]


def _thumbnail_url(settings: Settings) -> str:
    # The default header banner: an image this server serves (Mastodon's is its preview card).
    return f"{settings.base_url}{DEFAULT_HEADER_PATH}"


def instance_v1_json(settings: Settings, stats: InstanceStats) -> dict[str, Any]:
    return {
        "uri": settings.domain,
        "title": settings.instance_title,
        "short_description": settings.instance_description,
        "description": settings.instance_description,
        "email": settings.contact_email,
        "version": version_string(),
        "urls": {"streaming_api": settings.streaming_url},
        "stats": {
            "user_count": stats.users,
            "status_count": stats.statuses,
            "domain_count": 0,  # not federated: no other server is known
        },
        "thumbnail": _thumbnail_url(settings),
        "languages": ["en"],
        "registrations": settings.registration_mode != "closed",
        "approval_required": settings.registration_mode == "approval",
        "invites_enabled": False,
        "configuration": _configuration(settings),
        "contact_account": None,
        "rules": _rules(settings),
    }


def instance_v2_json(
    settings: Settings, stats: InstanceStats, vapid_key: str | None = None
) -> dict[str, Any]:
    """`vapid_key`: Web Push's server key, advertised only where pushes are sent."""
    configuration = _configuration(settings)
    if vapid_key is not None:
        configuration["vapid"] = {"public_key": vapid_key}
    base = settings.base_url
    terms = terms_of_service(settings)
    configuration["urls"] = {
        "streaming": settings.streaming_url,
        "status": None,
        "about": f"{base}{ABOUT_PATH}",
        "privacy_policy": f"{base}{PRIVACY_POLICY_PATH}",
        "terms_of_service": f"{base}{TERMS_OF_SERVICE_PATH}" if terms else None,
    }
    return {
        "domain": settings.domain,
        "title": settings.instance_title,
        "version": version_string(),
        "source_url": "https://github.com/chirp-social/chirp",
        "description": settings.instance_description,
        "usage": {"users": {"active_month": stats.active_month}},
        "thumbnail": {"url": _thumbnail_url(settings)},
        "icon": [],
        "languages": ["en"],
        "configuration": configuration,
        "registrations": {
            "enabled": settings.registration_mode != "closed",
            "approval_required": settings.registration_mode == "approval",
            "reason_required": settings.registration_mode == "approval",
            "message": _registrations_message(settings),
            "min_age": None,
            "url": None,
        },
        "api_versions": {"mastodon": MASTODON_API_VERSION},
        "contact": {"email": settings.contact_email, "account": None},
        "rules": _rules(settings),
    }


def instance_text_json(text: InstanceText) -> dict[str, Any]:
    """ExtendedDescription and PrivacyPolicy entities."""
    return {"updated_at": iso(text.updated_at), "content": text.content}


def terms_of_service_json(terms: TermsOfService) -> dict[str, Any]:
    return {
        "effective_date": terms.effective_date.isoformat(),
        "effective": True,
        "content": terms.content,
        "succeeded_by": None,
    }


def oauth_server_metadata(settings: Settings) -> dict[str, Any]:
    base = settings.base_url
    return {
        "issuer": f"{base}/",
        "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "app_registration_endpoint": f"{base}/api/v1/apps",
        "scopes_supported": sorted(KNOWN_SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": [
            "authorization_code",
            "password",
            "client_credentials",
            "refresh_token",
        ],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    }


def _registrations_message(settings: Settings) -> str | None:
    """What a closed server tells people who would sign up (Mastodon's `closed_registrations_
    message`, HTML)."""
    if settings.registration_mode != "closed" or not settings.registrations_message:
        return None
    return plain_to_html(settings.registrations_message)
