"""The OpenAPI document says every status and content type a route can answer.

Litestar documents a route's success and, where it takes parameters, a 400. The rest comes from
how Lingkar answers errors (:mod:`backend.lib.problems`): every error is a problem document,
and which ones a route can give follows from what the route is — guarded or public, with path
parameters or a body or not, reading the database or not. :func:`document_problems` adds them
to each API route once, when the application is built.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Litestar
from litestar._openapi.schema_generation import SchemaCreator
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Reference, Schema
from litestar.typing import FieldDefinition

from backend.lib.problems import PROBLEM_JSON, TITLES

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Routes that answer from constants, never touching the database.
NO_DATABASE = frozenset({"/api/v1/purposes", "/api/v1/guides"})
LOGIN = "/api/v1/auth/login"


class Problem(msgspec.Struct, kw_only=True):
    """An error (RFC 9457): what went wrong, a stable ``code``, and the field at fault."""

    type: str = "about:blank"
    status: int
    title: str
    detail: str
    code: str
    field: str | msgspec.UnsetType = msgspec.UNSET


def problem_response(status: int, description: str) -> ResponseSpec:
    """A problem+json answer with ``status``, for a route's OpenAPI responses."""
    return ResponseSpec(
        data_container=Problem,
        media_type=PROBLEM_JSON,
        description=f"{TITLES.get(status, 'Error')}: {description}",
        generate_examples=False,
    )


def problems_of(handler: HTTPRouteHandler, path: str) -> dict[int, ResponseSpec]:
    methods = set(handler.http_methods)
    has_body = "data" in handler.parsed_fn_signature.parameters
    has_parameters = bool(handler.parsed_fn_signature.parameters) or "{" in path
    guarded = bool(handler.resolve_guards())
    found: dict[int, ResponseSpec] = {}
    if has_parameters or has_body:
        found[400] = problem_response(400, "malformed input; `field` names what is wrong")
        found[422] = problem_response(422, "input that breaks a rule; `field` names it")
    if guarded:
        found[401] = problem_response(401, "not logged in")
        found[403] = problem_response(403, "not allowed for this account, or no CSRF token")
        found[404] = problem_response(404, "nothing with this id among what you may see")
    elif "{" in path:
        found[404] = problem_response(404, "nothing at this address")
    if has_body or methods & WRITE_METHODS:
        found[409] = problem_response(409, "a clash or a duplicate; nothing was written")
        found[413] = problem_response(413, "the body is too large")
        found[415] = problem_response(415, "the body is not JSON")
    if path == LOGIN:
        found[401] = problem_response(401, "the email or password is not right")
        found[429] = problem_response(429, "too many attempts; see the Retry-After header")
    if path not in NO_DATABASE:
        found[503] = problem_response(503, "the database is busy; see the Retry-After header")
    return found


def document_problems(app: Litestar) -> None:
    """Declare every problem response of every API route (before the schema is first built)."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if not isinstance(handler, HTTPRouteHandler) or not handler.include_in_schema:
                continue
            declared: dict[int, Any] = dict(handler.responses or {})
            for status, spec in problems_of(handler, route.path).items():
                declared.setdefault(status, spec)
            handler.responses = declared


class StrictStructSchemaPlugin(StructSchemaPlugin):
    """Request bodies refuse fields they do not name (``forbid_unknown_fields``): the schema
    says so (``additionalProperties: false``), as Litestar's own plugin does not."""

    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema | Reference:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        info = msgspec.inspect.type_info(field_definition.type_)
        if isinstance(info, msgspec.inspect.StructType) and info.forbid_unknown_fields:
            registered = schema_creator.schema_registry.get_schema_for_field_definition(
                field_definition
            )
            registered.additional_properties = False
        return schema
