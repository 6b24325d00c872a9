"""Process configuration from `CHIRP_*` environment variables; defaults are the embedded mode."""

from __future__ import annotations

import ipaddress
import re
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConfigError(Exception):
    """Settings that cannot run together; the message says what to change."""


class Settings(BaseSettings):
    """Every knob Chirp has. Documented, one line each, in the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="CHIRP_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    # Where clients reach this deployment (load balancer / CDN front); links and `acct` domains use it.
    public_url: str = ""
    data_dir: Path = Path("chirp-data")
    # `sqlite:///path/to/file.db` (empty means `<data_dir>/chirp.db`), or
    # `mongodb://...` / `mongodb+srv://...` (a replica set or sharded cluster), or
    # `postgresql://user:password@host:5432/chirp` (docs/postgresql.md).
    store: str = ""
    # PostgreSQL: connections per process (each `--workers` process has its own pool; keep
    # nodes x workers x max under the server's `max_connections`).
    postgresql_min_pool_size: int = Field(2, ge=0)
    postgresql_max_pool_size: int = Field(10, ge=1)
    # MongoDB: database (empty: the URI's, else `chirp`), the connection pool per server,
    # timeouts (`mongodb_timeout_seconds` 0: no client-side limit per operation).
    mongodb_database: str = ""
    mongodb_max_pool_size: int = Field(100, ge=1)
    mongodb_min_pool_size: int = Field(0, ge=0)
    mongodb_connect_timeout_seconds: float = Field(10.0, gt=0)
    mongodb_server_selection_timeout_seconds: float = Field(30.0, gt=0)
    mongodb_timeout_seconds: float = Field(0.0, ge=0)
    node_id: int | None = Field(None, ge=0, le=63)
    # Processes serving the same port (SO_REUSEPORT); more than one needs the Redis bus.
    workers: int = Field(1, ge=1, le=64)
    # Every node records a heartbeat in the store this often; one silent for `dead_after` is
    # dead, and the outbox leases it held go to the others (`chirp.server.nodes`).
    node_heartbeat_seconds: float = Field(1.0, gt=0)
    node_dead_after_seconds: float = Field(5.0, gt=0)
    # On SIGTERM, `/readyz` answers 503 this long before the server stops accepting (let the
    # load balancer's health checks see it); 0 behind none.
    drain_seconds: float = Field(0.0, ge=0)
    # Under Cloud Run (K_SERVICE set) the embedded SQLite store lives on a throwaway disk and is
    # refused unless this says it is meant (a demo).
    allow_ephemeral_store: bool = False

    instance_title: str = "Chirp"
    instance_description: str = "A realtime microblogging server."
    contact_email: str = ""
    registrations_open: bool = True
    # Who may sign up: `open`, `approval` (a moderator approves each sign-up, which must give
    # a reason) or `closed`; empty: `open` or `closed` from `registrations_open`.
    registrations: str = Field("", pattern="^(|open|approval|closed)$")
    registrations_message: str = ""  # shown to people who cannot sign up (closed servers)
    # Email domains (comma-separated) whose addresses may not sign up; subdomains included.
    email_domain_blocklist: str = ""
    # The server's rules (a JSON list of strings) and its texts: each Markdown or HTML, given
    # inline or as `@/path/to/file` (`.html`/`.htm` files are HTML; re-read when they change).
    # No terms of service: none are served. The privacy policy defaults to Chirp's own.
    instance_rules: list[str] = Field(default_factory=list)
    instance_extended_description: str = ""
    instance_privacy_policy: str = ""
    instance_terms_of_service: str = ""
    instance_terms_effective_date: date | None = None  # None: the file's date, or today

    max_body_bytes: int = Field(1_048_576, ge=1024)
    max_toot_chars: int = Field(500, ge=1)
    # Home feeds: capped per user (Twitter kept 800); authors with at least this many followers
    # are not fanned out but pulled and merged at read time.
    home_feed_cap: int = Field(800, ge=20)
    fanout_follower_threshold: int = Field(10_000, ge=1)
    # New tweets and retweets wait (a second at most) while the outbox holds more due events
    # than this, so the fan-out keeps up (`chirp.core.backlog`); 0: never wait.
    outbox_backlog_limit: int = Field(600, ge=0)
    idempotency_ttl_seconds: int = Field(3600, ge=1)
    # 0 keeps tokens valid until revoked, as Mastodon does; otherwise the access-token lifetime.
    access_token_ttl_seconds: int = Field(0, ge=0)
    auth_code_ttl_seconds: int = Field(600, ge=30)
    password_min_length: int = Field(8, ge=1)
    # Argon2id cost (RFC 9106 memory-constrained defaults); tests lower these for speed.
    argon2_time_cost: int = Field(3, ge=1)
    argon2_memory_kib: int = Field(65536, ge=8)
    argon2_parallelism: int = Field(4, ge=1)

    # Realtime: `memory://` (one node) or `redis://host:port/db` (many nodes).
    bus: str = "memory://"
    bus_history: int = Field(100_000, ge=100)  # events kept for replay, all topics together
    bus_topic_history: int = Field(500, ge=10)  # events kept for replay per topic
    stream_queue_frames: int = Field(1_000, ge=10)  # per connection; beyond it: close 1013
    stream_heartbeat_seconds: float = Field(15.0, gt=0)  # websocket ping / SSE `:thump`
    stream_max_message_bytes: int = Field(65_536, ge=1024)  # largest client websocket message
    # Browser origins allowed to open websockets: `*` (any: streams authenticate with a token,
    # never a cookie), or a comma-separated list, to which our own origin is always added.
    stream_allowed_origins: str = "*"
    live_counts_interval_seconds: float = Field(0.25, gt=0)

    # Media: where blobs live (empty: `<data_dir>/media`; `file:///path`; `gs://bucket/prefix`),
    # the URL clients fetch them from (the CDN), and whether those URLs are signed.
    media_store: str = ""
    media_base_url: str = ""
    media_signed_urls: bool = False
    media_signed_url_ttl_seconds: int = Field(86_400, ge=60, le=604_800)  # V4 allows 7 days
    media_signing_key: str = ""  # HMAC key of Chirp's signed URLs; empty: one kept in the store
    media_image_max_bytes: int = Field(16 * 1024 * 1024, ge=1024)
    media_video_max_bytes: int = Field(100 * 1024 * 1024, ge=1024)
    media_image_max_pixels: int = Field(33_177_600, ge=1)  # decoded pixels: decompression bombs
    media_image_max_edge: int = Field(3840, ge=64)  # stored originals are resized to fit
    media_preview_max_edge: int = Field(640, ge=16)
    media_video_max_seconds: float = Field(300.0, gt=0)
    media_video_max_pixels: int = Field(8_294_400, ge=1)  # input frame size (4K UHD)
    media_video_max_edge: int = Field(1920, ge=64)  # transcodes are scaled to fit
    media_video_max_bitrate_kbps: int = Field(6000, ge=100)
    media_workers: int = Field(2, ge=1)  # processes for image and video work
    media_image_timeout_seconds: float = Field(30.0, gt=0)
    media_video_timeout_seconds: float = Field(600.0, gt=0)
    media_unattached_ttl_seconds: int = Field(86_400, ge=60)  # then unattached uploads go
    media_gc_interval_seconds: float = Field(600.0, gt=0)
    # Link preview cards: fetched from the web after a tweet links to a page (off: never).
    link_cards: bool = True
    link_card_timeout_seconds: float = Field(10.0, gt=0)
    link_card_max_bytes: int = Field(1024 * 1024, ge=1024)
    # Private networks link cards may read nonetheless ("10.0.0.0/8,fd00::/8"), as Mastodon's
    # ALLOWED_PRIVATE_ADDRESSES: an intranet's own pages. Empty: the public internet only.
    link_card_allowed_private: str = ""

    # Live video relay: RTMP ingest (0 disables it), HLS segment length and live window, how
    # long a dropped publisher may take to reconnect before its stream ends.
    rtmp_port: int = Field(1935, ge=0, le=65535)
    rtmp_host: str = ""  # empty: the same as `host`
    live_segment_seconds: float = Field(2.0, ge=1.0, le=10.0)
    live_window_segments: int = Field(6, ge=3, le=100)
    live_reconnect_grace_seconds: float = Field(10.0, ge=0)
    live_signed_url_ttl_seconds: int = Field(3600, ge=60, le=604_800)
    # The HLS ladder: `1080p,720p,480p,240p`, `720p@2500`, `1280x720@3000`; empty: 720p, 480p,
    # 240p. Checked at start (`chirp.video.ladder.parse_ladder`).
    live_ladder: str = ""
    # An H.264 source that fits the ladder's top rung (size and bit rate) is copied into it, not
    # re-encoded (its encoder must then send a keyframe every segment duration).
    live_passthrough: bool = True
    # Low-Latency HLS beside regular HLS (fMP4 partial segments of `live_part_seconds`, served
    # with blocking reloads by every node's origin, `/api/v1/chirp/streams/<id>/ll/...`).
    live_low_latency: bool = True
    live_part_seconds: float = Field(1 / 3, ge=0.1, le=1.0)
    # Who may frame the embeddable player of public streams (`/live/<id>/embed`): the CSP
    # `frame-ancestors` sources, space-separated (`https://blog.example.com 'self'`, `'none'`).
    live_embed_ancestors: str = "*"
    # What the streams API tells encoders to publish to (ingest nodes behind a TCP load
    # balancer); empty: `rtmp://<public host>:<rtmp_port>/live`, or none when RTMP is off here.
    live_rtmp_url: str = ""
    # A player counts as a viewer this long after its last heartbeat (players send one each 10 s).
    live_viewer_ttl_seconds: float = Field(30.0, ge=1.0)
    # A live stream whose relay node stopped renewing its lease this long ago (the node died)
    # is ended by the other nodes; nodes renew every quarter of it.
    live_relay_lease_seconds: float = Field(60.0, ge=2.0)
    # Chat: each account may send `live_chat_burst` messages at once to a stream, then one per
    # `live_chat_interval_seconds` (a sliding window of burst x interval).
    live_chat_burst: int = Field(5, ge=1, le=100)
    live_chat_interval_seconds: float = Field(1.0, gt=0, le=3600)

    # Web Push: the VAPID key pair (Mastodon's VAPID_PRIVATE_KEY/VAPID_PUBLIC_KEY: base64url;
    # the private key may also be PEM); empty: generated on first start and kept in the store,
    # shared by every node. `vapid_subject` (a `mailto:` or https URL) is who push services
    # contact (empty: `mailto:<contact_email>`, else the public URL). `web_push_allow_local`
    # lets subscriptions name plain-http and private-network endpoints (tests, a push service
    # inside the deployment's own network); off, only https endpoints on public addresses.
    vapid_private_key: str = ""
    vapid_public_key: str = ""
    vapid_subject: str = ""
    web_push_allow_local: bool = False
    # The push services subscriptions may name (comma-separated hosts; `.example.com` takes its
    # subdomains too); empty: any.
    web_push_hosts: str = ""
    web_push_timeout_seconds: float = Field(10.0, gt=0)
    web_push_concurrency: int = Field(16, ge=1)
    # A push the push service could not take is tried again after this, doubling each time.
    web_push_retry_seconds: float = Field(10.0, gt=0)
    # Custom emojis are read whole and kept in each process for this long: an emoji the
    # operator adds or removes shows on every node within it (0: read on every request).
    custom_emojis_cache_seconds: float = Field(10.0, ge=0)
    # Memory for rendered statuses and accounts kept between requests, per process (a hit spares
    # re-rendering a record that has not changed; the store is read either way).
    render_cache_mb: float = Field(64.0, gt=0)
    # Prometheus metrics at `/metrics`: on the main port, or only on `metrics_port` when set
    # (keep them off the public port); per-process state (connections, memory) is sampled
    # every `metrics_sample_seconds`.
    metrics_enabled: bool = True
    metrics_port: int = Field(0, ge=0, le=65535)
    metrics_host: str = ""  # empty: the same as `host`
    metrics_sample_seconds: float = Field(5.0, gt=0)

    # Tracing (OpenTelemetry, `pip install chirp[tracing]`): off unless one of these is set.
    # Spans go by OTLP/HTTP to `tracing_otlp_endpoint` (e.g. `http://collector:4318/v1/traces`);
    # with `tracing_gcp_project` alone, incoming trace context (W3C `traceparent`, Google's
    # `X-Cloud-Trace-Context`) only reaches the JSON logs (`logging.googleapis.com/trace`).
    tracing_otlp_endpoint: str = ""
    tracing_gcp_project: str = ""
    tracing_sample_ratio: float = Field(1.0, ge=0, le=1)  # of traces started here

    # Rate limits (Mastodon's defaults): requests per window, counted in Redis when the bus is
    # Redis (every node shares them), in this process otherwise. `rate_limits=false` turns off.
    rate_limits: bool = True
    rate_limit_api: int = Field(300, ge=1)  # per token, per `rate_limit_api_period_seconds`
    rate_limit_api_ip: int = Field(300, ge=1)  # per IP, requests without a (valid) token
    rate_limit_api_period_seconds: int = Field(300, ge=1)
    rate_limit_media: int = Field(30, ge=1)  # uploads per token
    rate_limit_media_period_seconds: int = Field(1800, ge=1)
    rate_limit_sign_ups: int = Field(5, ge=1)  # per IP
    rate_limit_sign_ups_period_seconds: int = Field(1800, ge=1)
    # Password grants and the consent form, per IP and per login name.
    rate_limit_logins_ip: int = Field(25, ge=1)
    rate_limit_logins_ip_period_seconds: int = Field(300, ge=1)
    rate_limit_logins_account: int = Field(10, ge=1)
    rate_limit_logins_account_period_seconds: int = Field(3600, ge=1)
    # After this many failed logins (per IP, per login name), each further one blocks the next
    # attempt for `base` seconds, doubling each time up to `max`; forgotten after `window`.
    login_failures_free: int = Field(5, ge=0)
    login_backoff_base_seconds: float = Field(1.0, gt=0)
    login_backoff_max_seconds: float = Field(900.0, gt=0)
    login_failures_window_seconds: int = Field(3600, ge=1)
    # Proxies whose `X-Forwarded-For` names the client (CIDRs, comma-separated); else the peer.
    trusted_proxies: str = ""
    # Open streaming websockets/SSE per token and per IP on one node.
    stream_max_per_token: int = Field(50, ge=1)
    stream_max_per_ip: int = Field(1000, ge=1)
    # Concurrent Argon2 computations per process (each takes `argon2_memory_kib`).
    argon2_concurrency: int = Field(2, ge=1)

    # Connection hygiene. A client has `header_timeout` to send a request's head and
    # `body_timeout` for its body; an idle keep-alive connection closes after `keepalive`
    # (longer than a Google Cloud load balancer's 600 s, as Google recommends: the balancer
    # must close first). Past `max_connections` per process a new connection gets a 503 (0:
    # three quarters of the open-files limit).
    header_timeout_seconds: float = Field(20.0, gt=0)
    body_timeout_seconds: float = Field(300.0, gt=0)
    keepalive_timeout_seconds: float = Field(620.0, gt=0)
    max_connections: int = Field(0, ge=0)

    shutdown_timeout_seconds: float = Field(10.0, ge=0)
    log_level: str = "INFO"
    log_format: str = Field("json", pattern="^(json|text)$")

    @field_validator("instance_rules")
    @classmethod
    def _drop_blank_rules(cls, value: list[str]) -> list[str]:
        return [rule.strip() for rule in value if rule.strip()]

    @field_validator(
        "instance_extended_description", "instance_privacy_policy", "instance_terms_of_service"
    )
    @classmethod
    def _text_file_exists(cls, value: str) -> str:
        if value.startswith("@") and not Path(value[1:]).expanduser().is_file():
            raise ValueError(f"no such file: {value[1:]}")
        return value

    @field_validator("live_ladder")
    @classmethod
    def _check_ladder(cls, value: str) -> str:
        from chirp.video.ladder import parse_ladder

        parse_ladder(value)  # a ValueError names the wrong rung
        return value

    @field_validator("live_embed_ancestors")
    @classmethod
    def _frame_ancestors(cls, value: str) -> str:
        sources = value.split()
        source = re.compile(
            r"\*|'self'|'none'|https?://(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?|https?:"
        )
        bad = [s for s in sources if not source.fullmatch(s)]
        if not sources or bad or ("'none'" in sources and len(sources) > 1):
            raise ValueError(f"not CSP frame-ancestors sources: {value!r}")
        return " ".join(sources)

    @field_validator("trusted_proxies", "link_card_allowed_private")
    @classmethod
    def _networks(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip():
                ipaddress.ip_network(part.strip(), strict=False)  # ValueError names the bad one
        return value

    @field_validator("public_url", "media_base_url", "live_rtmp_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def registration_mode(self) -> str:
        return self.registrations or ("open" if self.registrations_open else "closed")

    @property
    def blocked_email_domains(self) -> frozenset[str]:
        return frozenset(
            d.strip().lower().lstrip("@").rstrip(".")
            for d in self.email_domain_blocklist.split(",")
            if d.strip()
        )

    @property
    def base_url(self) -> str:
        """Public origin: the configured one, or what `host:port` serves."""
        if self.public_url:
            return self.public_url
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        if ":" in host:  # an IPv6 literal goes in brackets in a URL
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def domain(self) -> str:
        return urlsplit(self.base_url).netloc

    @property
    def streaming_url(self) -> str:
        scheme = "wss" if self.base_url.startswith("https") else "ws"
        return f"{scheme}://{self.domain}"

    @property
    def store_url(self) -> str:
        return self.store or f"sqlite:///{self.data_dir / 'chirp.db'}"
