"""`/api/openapi.json` cannot drift from the app: every API route is in it and nothing else, and
every model a handler validates with (`validate(Model, ...)`, however deep in the handlers'
helpers) is the one `@documented` declares for it, and the other way round."""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from functools import cache
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from pydantic import BaseModel

from chirp.handlers.openapi import OPENAPI_PATH, build_openapi, documentation_of, is_api_path
from chirp.server import create_app
from tests.helpers import make_settings


def _api_routes(app: web.Application) -> list[web.AbstractRoute]:
    return [
        route
        for route in app.router.routes()
        if route.resource is not None
        and route.method not in ("HEAD", "*")
        and is_api_path(route.resource.canonical)
        and not route.resource.canonical.endswith("/")
    ]


def _lookup(function: Callable[..., Any], node: ast.expr) -> Any:
    """The object a name or `module.name` in `function`'s body refers to (None if unknown)."""
    if isinstance(node, ast.Name):
        return function.__globals__.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = _lookup(function, node.value)
        return getattr(owner, node.attr, None) if inspect.ismodule(owner) else None
    return None


@cache
def _tree(function: Callable[..., Any]) -> ast.FunctionDef | ast.AsyncFunctionDef:
    node = ast.parse(textwrap.dedent(inspect.getsource(function))).body[0]
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    return node


def _is_handler_code(target: Any) -> bool:
    return inspect.isfunction(target) and target.__module__.startswith("chirp.handlers.")


def validated_models(
    function: Callable[..., Any],
    bound: dict[str, Any] | None = None,
    seen: frozenset[Any] = frozenset(),
) -> set[type[BaseModel]]:
    """The models `function` validates with, directly or through the handlers' helpers; a model
    passed in as an argument (`_query(request, FilterQuery)`) is followed through `bound`."""
    bound = bound or {}
    node = _tree(function)
    found: set[type[BaseModel]] = set()
    for call in ast.walk(node):
        if not isinstance(call, ast.Call):
            continue
        target = _lookup(function, call.func)
        if target is not None and getattr(target, "__name__", "") == "validate" and call.args:
            first = call.args[0]
            model = (
                bound.get(first.id)
                if isinstance(first, ast.Name) and first.id in bound
                else _lookup(function, first)
            )
            assert isinstance(model, type) and issubclass(model, BaseModel), (
                f"{function.__qualname__}: cannot tell what `validate` reads with"
                f" ({ast.unparse(first)})"
            )
            found.add(model)
        elif _is_handler_code(target) and target not in seen:
            names = list(inspect.signature(target).parameters)
            passed: dict[str, Any] = {}
            arguments = list(zip(names, call.args, strict=False)) + [
                (k.arg, k.value) for k in call.keywords if k.arg
            ]
            for name, value in arguments:
                if isinstance(value, ast.Name) and value.id in bound:
                    passed[name] = bound[value.id]
                elif isinstance(obj := _lookup(function, value), type) and issubclass(
                    obj, BaseModel
                ):
                    passed[name] = obj
            found |= validated_models(target, passed, seen | {function})
    return found


def test_every_model_a_handler_validates_with_is_documented() -> None:
    app = create_app(make_settings())
    problems = []
    for route in _api_routes(app):
        handler = route.handler
        doc = documentation_of(handler)
        declared = set() if doc is None else {*doc.query, *doc.body}
        read = validated_models(handler)
        if declared != read:
            problems.append(
                f"{route.method} {route.resource.canonical if route.resource else '?'}"
                f" ({handler.__module__}.{handler.__name__}): validates with"
                f" {sorted(m.__name__ for m in read)}, documents"
                f" {sorted(m.__name__ for m in declared)}"
            )
    assert not problems, "\n".join(problems)


def reaches(function: Callable[..., Any], name: str, seen: frozenset[Any] = frozenset()) -> bool:
    """Whether `function` calls the handlers' function `name`, directly or through helpers."""
    for call in ast.walk(_tree(function)):
        if isinstance(call, ast.Call) and _is_handler_code(target := _lookup(function, call.func)):
            if target.__name__ == name:
                return True
            if target not in seen and reaches(target, name, seen | {function}):
                return True
    return False


def test_every_handler_reading_files_documents_its_multipart_body() -> None:
    from chirp.handlers.accounts import PICTURES
    from chirp.handlers.uploads import FILE_FIELDS

    app = create_app(make_settings())
    problems = []
    for route in _api_routes(app):
        doc = documentation_of(route.handler)
        declared = doc.files if doc is not None else ()
        if reaches(route.handler, "receive_upload"):
            expected: tuple[str, ...] = FILE_FIELDS
        elif reaches(route.handler, "receive_form"):
            expected = PICTURES
        else:
            expected = ()
        if declared != expected:
            problems.append(f"{route.method} {route.handler.__name__}: {declared} != {expected}")
    assert not problems, "\n".join(problems)
    document = build_openapi(app)
    upload = document["paths"]["/api/v2/media"]["post"]["requestBody"]["content"]
    schema = upload["multipart/form-data"]["schema"]
    assert schema["properties"]["file"] == {"type": "string", "format": "binary"}


def test_the_analysis_follows_helpers_and_model_arguments() -> None:
    # The analysis itself can fail: a handler reading paging through `parse_page`, and one
    # whose model reaches `validate` as an argument of a helper.
    from chirp.handlers import notification_groups, paging, timelines

    assert validated_models(timelines.home) == {timelines.HomeQuery, paging.PageQuery}
    assert validated_models(notification_groups.unread_count) == {notification_groups.UnreadQuery}


def test_the_document_has_every_api_route_and_nothing_else() -> None:
    app = create_app(make_settings())
    document = build_openapi(app)
    in_app = {
        (route.method.lower(), route.resource.canonical)
        for route in _api_routes(app)
        if route.resource is not None
    }
    in_document = {
        (method, path) for path, operations in document["paths"].items() for method in operations
    }
    assert in_app == in_document
    assert ("get", "/api/v1/timelines/home") in in_document  # a sanity anchor, not a tautology
    assert not any(path.startswith(("/@", "/live/", "/media/")) for _, path in in_document)


def test_path_parameters_carry_the_routes_patterns() -> None:
    document = build_openapi(create_app(make_settings()))
    (param,) = document["paths"]["/api/v1/accounts/{id}"]["get"]["parameters"]
    assert param == {
        "name": "id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": r"^(?:\d+)$"},
    }
    date = document["paths"]["/api/v1/instance/terms_of_service/{date}"]["get"]["parameters"]
    assert date[0]["schema"]["pattern"] == r"^(?:\d{4}-\d{2}-\d{2})$"


def test_query_and_body_models_become_parameters_and_bodies() -> None:
    document = build_openapi(create_app(make_settings()))
    home = document["paths"]["/api/v1/timelines/home"]["get"]
    names = {p["name"] for p in home["parameters"]}
    assert {"order", "offset", "max_id", "since_id", "min_id", "limit"} <= names
    relationships = document["paths"]["/api/v1/accounts/relationships"]["get"]
    assert [p["name"] for p in relationships["parameters"]] == ["id[]"]
    post = document["paths"]["/api/v1/statuses"]["post"]
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    ref = schema["$ref"].rsplit("/", 1)[-1]
    assert "status" in document["components"]["schemas"][ref]["properties"]
    error = document["paths"]["/api/v1/statuses"]["post"]["responses"]["4XX"]
    assert error["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_security_scheme_lists_chirps_scopes() -> None:
    document = build_openapi(create_app(make_settings()))
    flows = document["components"]["securitySchemes"]["OAuth2"]["flows"]
    scopes = flows["authorizationCode"]["scopes"]
    assert {"read", "write", "follow", "push", "read:statuses", "write:media"} <= set(scopes)


async def test_served_publicly_with_cors(client: TestClient) -> None:
    response = await client.get(OPENAPI_PATH, headers={"Origin": "https://app.example"})
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    document = await response.json()
    assert document["openapi"] == "3.1.0"
    assert "/api/v1/statuses" in document["paths"]
    assert OPENAPI_PATH in document["paths"]


def test_answers_that_are_not_json_documents_say_what_they_are() -> None:
    paths = build_openapi(create_app(make_settings()))["paths"]
    assert list(paths["/api/v1/streaming"]["get"]["responses"]) == ["101", "4XX"]
    sse = paths["/api/v1/streaming/{stream}"]["get"]["responses"]["200"]
    assert list(sse["content"]) == ["text/event-stream"]
    consent = paths["/oauth/authorize"]["get"]["responses"]["200"]
    assert list(consent["content"]) == ["text/html"]
    statuses = paths["/api/v1/statuses/{id}"]["get"]["responses"]["200"]
    assert statuses["content"] == {"application/json": {"schema": {}}}
