"""Instance metadata (`/api/v1/instance`, `/api/v2/instance`), what the operator says about the
server (rules, about, privacy policy, terms: as JSON and as pages), and health checks."""

from __future__ import annotations

from html import escape

from aiohttp import web

from chirp.core import instance
from chirp.core.errors import NotFound
from chirp.handlers.common import ctx, json_response
from chirp.handlers.pages import document_page
from chirp.serializers.instance import (
    ABOUT_PATH,
    PRIVACY_POLICY_PATH,
    TERMS_OF_SERVICE_PATH,
    instance_text_json,
    instance_v1_json,
    instance_v2_json,
    rule_json,
    terms_of_service_json,
)
from chirp.server.keys import READINESS

routes = web.RouteTableDef()

# Operator pages: their own HTML, nothing else loaded, never framed.
_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src * data:; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "public, max-age=300",
}


@routes.get("/api/v1/instance")
@routes.get("/api/v1/instance/")
async def instance_v1(request: web.Request) -> web.Response:
    context = ctx(request)
    stats = await instance.instance_stats(context)
    return json_response(instance_v1_json(context.settings, stats))


@routes.get("/api/v2/instance")
@routes.get("/api/v2/instance/")
async def instance_v2(request: web.Request) -> web.Response:
    context = ctx(request)
    stats = await instance.instance_stats(context)
    keys = context.web_push
    vapid_key = keys.public_key if keys is not None else None
    return json_response(instance_v2_json(context.settings, stats, vapid_key))


@routes.get("/api/v1/instance/rules")
async def rules(request: web.Request) -> web.Response:
    return json_response([rule_json(r) for r in instance.instance_rules(ctx(request).settings)])


@routes.get("/api/v1/instance/extended_description")
async def extended_description(request: web.Request) -> web.Response:
    return json_response(instance_text_json(instance.extended_description(ctx(request).settings)))


@routes.get("/api/v1/instance/privacy_policy")
async def privacy_policy(request: web.Request) -> web.Response:
    return json_response(instance_text_json(instance.privacy_policy(ctx(request).settings)))


def _terms(request: web.Request) -> instance.TermsOfService:
    terms = instance.terms_of_service(ctx(request).settings)
    wanted = request.match_info.get("date")
    if terms is None or (wanted is not None and wanted != terms.effective_date.isoformat()):
        raise NotFound("Record not found")
    return terms


@routes.get("/api/v1/instance/terms_of_service")
@routes.get(r"/api/v1/instance/terms_of_service/{date:\d{4}-\d{2}-\d{2}}")
async def terms_of_service(request: web.Request) -> web.Response:
    return json_response(terms_of_service_json(_terms(request)))


@routes.get("/api/v1/instance/peers")
async def peers(request: web.Request) -> web.Response:
    """Domains this server knows: none, as it does not federate."""
    return json_response([])


def _page(request: web.Request, title: str, content: str, *, rules: bool = False) -> web.Response:
    settings = ctx(request).settings
    listed = [rule.text for rule in instance.instance_rules(settings)] if rules else []
    body = document_page(settings.instance_title, title, content, rules=listed)
    return web.Response(text=body, content_type="text/html", headers=_PAGE_HEADERS)


@routes.get(ABOUT_PATH)
async def about_page(request: web.Request) -> web.Response:
    settings = ctx(request).settings
    text = instance.extended_description(settings).content
    text = text or f"<p>{escape(settings.instance_description)}</p>"
    return _page(request, f"About {settings.instance_title}", text, rules=True)


@routes.get(PRIVACY_POLICY_PATH)
async def privacy_policy_page(request: web.Request) -> web.Response:
    return _page(request, "Privacy policy", instance.privacy_policy(ctx(request).settings).content)


@routes.get(TERMS_OF_SERVICE_PATH)
async def terms_of_service_page(request: web.Request) -> web.Response:
    terms = _terms(request)
    effective = f"<p>Effective {terms.effective_date.isoformat()}.</p>"
    return _page(request, "Terms of service", effective + terms.content)


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    """Readiness, for load balancers: 503 while the store or the event bus is unreachable, and
    from SIGTERM on (`CHIRP_DRAIN_SECONDS` before the server stops accepting)."""
    if request.app[READINESS].draining:
        return json_response({"status": "draining", "error": "shutting down"}, status=503)
    problems = await instance.probe_readiness(ctx(request))
    if problems:
        return json_response({"status": "unavailable", "error": "; ".join(problems)}, status=503)
    return json_response({"status": "ok"})


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    """Liveness and readiness: 200 when the store answers, 503 otherwise (load balancers drain)."""
    problems = await instance.probe_health(ctx(request))
    if problems:
        return json_response({"status": "unavailable", "error": "; ".join(problems)}, status=503)
    return json_response({"status": "ok"})
