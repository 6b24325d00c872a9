"""`GET /api/openapi.json`: an OpenAPI 3.1 document of Chirp's API, built from the app itself.

Nothing in it is written by hand, so it cannot drift: the operations are the app's routes (paths,
methods, path parameters and their patterns), and the parameters and bodies are the pydantic
models the handlers validate with, attached to each handler by `@documented(query=..., body=...)`
(tests/handlers/test_openapi.py checks every `validate(Model, ...)` a handler reaches is
declared, and every declared model is validated). Errors are documented as Chirp sends them:
JSON `{"error": "..."}`. Success bodies are left loosely typed rather than guessed.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import orjson
from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chirp.core.scopes import KNOWN_SCOPES

routes = web.RouteTableDef()

OPENAPI_PATH = "/api/openapi.json"
# The API's paths (HTML pages, media files and the live-video player are not the API).
API_PREFIXES = ("/api/", "/oauth/", "/.well-known/", "/nodeinfo/")
WEBSOCKET = "websocket"  # `produces` of a handler that upgrades the connection

_BODY_TYPES = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")

F = TypeVar("F", bound=Callable[..., Any])
Models = type[BaseModel] | tuple[type[BaseModel], ...]


class Documented:
    """What a handler reads: the models its query and its body are validated with."""

    def __init__(
        self,
        query: tuple[type[BaseModel], ...],
        body: tuple[type[BaseModel], ...],
        files: tuple[str, ...],
        produces: str,
    ) -> None:
        self.query, self.body, self.files, self.produces = query, body, files, produces


def _models(models: Models | None) -> tuple[type[BaseModel], ...]:
    if models is None:
        return ()
    return models if isinstance(models, tuple) else (models,)


def documented(
    *,
    query: Models | None = None,
    body: Models | None = None,
    files: tuple[str, ...] = (),
    produces: str = "application/json",
) -> Callable[[F], F]:
    """Attach to a handler the models it validates its query and body with (several models read
    the same request: a timeline's filters and the paging parameters). `files` are the fields of
    a `multipart/form-data` body that carry files (media, avatars); `produces` is the media type
    of a successful answer when it is not JSON."""

    def attach(handler: F) -> F:
        handler.__chirp_documented__ = Documented(  # type: ignore[attr-defined]
            _models(query), _models(body), files, produces
        )
        return handler

    return attach


def documentation_of(handler: Callable[..., Any]) -> Documented | None:
    found = getattr(handler, "__chirp_documented__", None)
    return found if isinstance(found, Documented) else None


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


def _path_patterns(route: web.AbstractRoute) -> dict[str, str]:
    """A route's path parameters and their regexes, read from aiohttp's matcher (its named
    groups, in the path's order)."""
    resource = route.resource
    assert resource is not None
    info = resource.get_info()
    formatter = info.get("formatter")
    if formatter is None:
        return {}
    compiled = info["pattern"].pattern
    found, i = {}, 0
    for name in re.findall(r"\{(\w+)\}", formatter):
        marker = f"(?P<{name}>"
        start = compiled.index(marker, i) + len(marker)
        depth, j = 1, start
        while depth:
            if compiled[j - 1] != "\\":
                depth += {"(": 1, ")": -1}.get(compiled[j], 0)
            j += 1
        found[name] = compiled[start : j - 1]
        i = j
    return found


def _operation_id(method: str, handler: Callable[..., Any], path: str) -> str:
    module = handler.__module__.rsplit(".", 1)[-1]
    base = f"{module}.{handler.__name__}"
    # One handler may serve several paths (`/api/v1/trends` and `/api/v1/trends/tags`).
    return f"{base}:{method.lower()}:{path}"


def _is_list(schema: dict[str, Any]) -> bool:
    if schema.get("type") == "array":
        return True
    return any(_is_list(s) for s in schema.get("anyOf", []))


class _Builder:
    def __init__(self) -> None:
        self.models: list[type[BaseModel]] = []

    def add(self, models: Iterable[type[BaseModel]]) -> None:
        for model in models:
            if model not in self.models:
                self.models.append(model)

    def schemas(self) -> tuple[dict[type[BaseModel], dict[str, Any]], dict[str, Any]]:
        if not self.models:
            return {}, {}
        keys, top = models_json_schema(
            [(m, "validation") for m in self.models], ref_template="#/components/schemas/{model}"
        )
        return {m: keys[(m, "validation")] for m in self.models}, top.get("$defs", {})


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        resolved: dict[str, Any] = components[ref.rsplit("/", 1)[-1]]
        return resolved
    return schema


def _query_parameters(
    models: tuple[type[BaseModel], ...],
    refs: dict[type[BaseModel], dict[str, Any]],
    components: dict[str, Any],
) -> list[dict[str, Any]]:
    parameters: dict[str, dict[str, Any]] = {}
    for model in models:
        schema = _resolve(refs[model], components)
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            # Lists travel as Mastodon's `name[]=a&name[]=b` (`common._flatten` reads both).
            key = f"{name}[]" if _is_list(prop) else name
            parameters.setdefault(
                key,
                {
                    "name": key,
                    "in": "query",
                    "required": name in required,
                    "schema": prop,
                    **({"style": "form", "explode": True} if key != name else {}),
                },
            )
    return list(parameters.values())


def _success(produces: str) -> dict[str, Any]:
    if produces == WEBSOCKET:
        return {"101": {"description": "Switching to a WebSocket"}}
    # Success bodies are loosely typed: any JSON (a schema for each entity is yet to come).
    media: dict[str, Any] = {"schema": {}} if produces.endswith(("/json", "+json")) else {}
    return {"200": {"description": "Success", "content": {produces: media}}}


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _multipart_body(
    doc: Documented, refs: dict[type[BaseModel], dict[str, Any]], components: dict[str, Any]
) -> dict[str, Any]:
    """Files beside the body model's fields (JSON and forms still carry those alone)."""
    properties: dict[str, Any] = {}
    for model in doc.body:
        properties.update(_resolve(refs[model], components).get("properties", {}))
    properties.update({name: {"type": "string", "format": "binary"} for name in doc.files})
    content: dict[str, Any] = {
        "multipart/form-data": {"schema": {"type": "object", "properties": properties}}
    }
    for model in doc.body:
        content.update({t: {"schema": refs[model]} for t in _BODY_TYPES[:2]})
    return {"required": not doc.body, "content": content}


def build_openapi(app: web.Application, *, server_url: str | None = None) -> dict[str, Any]:
    """The document for every API route of `app`."""
    found: list[tuple[str, str, web.AbstractRoute]] = []
    builder = _Builder()
    for route in app.router.routes():
        resource = route.resource
        if resource is None or route.method in ("HEAD", "*"):
            continue
        path = resource.canonical
        if not is_api_path(path) or path.endswith("/"):  # `/x/` twins redirect to `/x`
            continue
        found.append((route.method, path, route))
        if (doc := documentation_of(route.handler)) is not None:
            builder.add(doc.query + doc.body)
    refs, components = builder.schemas()
    components["Error"] = {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string"}},
    }
    paths: dict[str, dict[str, Any]] = {}
    for method, path, route in found:
        doc = documentation_of(route.handler)
        patterns = _path_patterns(route)
        parameters: list[dict[str, Any]] = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "string", "pattern": f"^(?:{pattern})$"},
            }
            for name, pattern in patterns.items()
        ]
        operation: dict[str, Any] = {
            "operationId": _operation_id(method, route.handler, path),
            "tags": [route.handler.__module__.rsplit(".", 1)[-1]],
        }
        if doc is not None:
            parameters += _query_parameters(doc.query, refs, components)
            if doc.files:
                operation["requestBody"] = _multipart_body(doc, refs, components)
            elif doc.body:
                body = (
                    refs[doc.body[0]]
                    if len(doc.body) == 1
                    else {"allOf": [refs[m] for m in doc.body]}
                )
                operation["requestBody"] = {
                    "required": any(
                        _resolve(refs[m], components).get("required") for m in doc.body
                    ),
                    # Clients send JSON or forms (Mastodon reads both, and so does Chirp).
                    "content": {media_type: {"schema": body} for media_type in _BODY_TYPES},
                }
        if parameters:
            operation["parameters"] = parameters
        operation["responses"] = {
            **_success(doc.produces if doc is not None else "application/json"),
            "4XX": _error_response("Refused: the reason in `error`"),
        }
        operation["security"] = [{}, {"OAuth2": []}]
        paths.setdefault(path, {})[method.lower()] = operation
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Chirp",
            "version": "1",
            "description": "The Mastodon client API as Chirp serves it.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": {
                "OAuth2": {
                    "type": "oauth2",
                    "description": "A bearer token from `/oauth/token`.",
                    "flows": {
                        "authorizationCode": {
                            "authorizationUrl": "/oauth/authorize",
                            "tokenUrl": "/oauth/token",
                            "scopes": {scope: scope for scope in sorted(KNOWN_SCOPES)},
                        },
                        "clientCredentials": {
                            "tokenUrl": "/oauth/token",
                            "scopes": {scope: scope for scope in sorted(KNOWN_SCOPES)},
                        },
                    },
                }
            },
        },
    }
    if server_url:
        document["servers"] = [{"url": server_url}]
    return document


_DOCUMENTS: weakref.WeakKeyDictionary[web.Application, bytes] = weakref.WeakKeyDictionary()


@routes.get(OPENAPI_PATH)
async def openapi_document(request: web.Request) -> web.Response:
    # Built once per app: the routes and models do not change while it runs.
    body = _DOCUMENTS.get(request.app)
    if body is None:
        body = _DOCUMENTS[request.app] = orjson.dumps(build_openapi(request.app))
    return web.Response(body=body, content_type="application/json")
