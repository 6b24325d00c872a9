"""Instance metadata (v1 and v2) and the OAuth server metadata document (RFC 8414)."""

from __future__ import annotations

from typing import Any

from chirp import __version__
from chirp.config import Settings
from chirp.core.scopes import KNOWN_SCOPES

# Mastodon clients gate features on this version string; 4.3.0 enables the v2 APIs and still
# allows the password grant (removed in 4.4).
MASTODON_COMPAT_VERSION = "4.3.0"


def version_string() -> str:
    return f"{MASTODON_COMPAT_VERSION} (compatible; Chirp {__version__})"


def _configuration(settings: Settings) -> dict[str, Any]:
    return {
        "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
        "statuses": {
            "max_characters": settings.max_toot_chars,
            "max_media_attachments": 4,
            "characters_reserved_per_url": 23,
        },
        "media_attachments": {
            "supported_mime_types": [
                "image/jpeg",
                "image/png",
                "image/gif",
                "image/webp",
                "image/avif",
                "video/mp4",
                "video/webm",
                "video/quicktime",
            ],
            "image_size_limit": settings.media_image_max_bytes,
            "image_matrix_limit": settings.media_image_max_pixels,
            "video_size_limit": settings.media_video_max_bytes,
            "video_frame_rate_limit": 120,
            "video_matrix_limit": settings.media_video_max_pixels,
            "description_limit": 1500,
        },
        "polls": {
            "max_options": 4,
            "max_characters_per_option": 50,
            "min_expiration": 300,
            "max_expiration": 2_629_746,
        },
        "translation": {"enabled": False},
    }


def instance_v1_json(settings: Settings, *, user_count: int, status_count: int) -> dict[str, Any]:
    return {
        "uri": settings.domain,
        "title": settings.instance_title,
        "short_description": settings.instance_description,
        "description": settings.instance_description,
        "email": settings.contact_email,
        "version": version_string(),
        "urls": {"streaming_api": settings.streaming_url},
        "stats": {"user_count": user_count, "status_count": status_count, "domain_count": 0},
        "thumbnail": None,
        "languages": ["en"],
        "registrations": settings.registrations_open,
        "approval_required": False,
        "invites_enabled": False,
        "configuration": _configuration(settings),
        "contact_account": None,
        "rules": [],
    }


def instance_v2_json(settings: Settings, *, active_month: int) -> dict[str, Any]:
    configuration = _configuration(settings)
    configuration["urls"] = {"streaming": settings.streaming_url, "status": None}
    configuration["vapid"] = {"public_key": ""}
    return {
        "domain": settings.domain,
        "title": settings.instance_title,
        "version": version_string(),
        "source_url": "https://github.com/chirp-social/chirp",
        "description": settings.instance_description,
        "usage": {"users": {"active_month": active_month}},
        "thumbnail": {"url": f"{settings.base_url}/favicon.png"},
        "icon": [],
        "languages": ["en"],
        "configuration": configuration,
        "registrations": {
            "enabled": settings.registrations_open,
            "approval_required": False,
            "reason_required": False,
            "message": None,
            "min_age": None,
            "url": None,
        },
        "api_versions": {"mastodon": 2},
        "contact": {"email": settings.contact_email, "account": None},
        "rules": [],
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
