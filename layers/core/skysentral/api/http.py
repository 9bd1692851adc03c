"""Chalice glue shared by every HTTP API: identity from the verified token, role checks,
typed request parsing, and the one place that maps DomainErrors to responses.

Every error body is `{"error": "<code>", "message": "<what is wrong>"}`. Nothing
unexpected leaks as a bare 500: an unknown exception is logged and answered with
`internal_error`.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from chalice import Chalice, Response

from skysentral import clock, correlation
from skysentral.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    Unauthorized,
    Unprocessable,
)
from skysentral.domain.identity import Identity

if TYPE_CHECKING:  # pydantic loads with the request models (api.requests), not in every API: /health stays light
    from pydantic import BaseModel, ValidationError

logger = Logger()


@dataclass
class RouteDoc:
    """What the OpenAPI document says of a route (infra/openapi reads these)."""

    path: str
    method: str
    summary: str
    roles: frozenset[str] | None
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    status: int = 200
    errors: tuple[int, ...] = field(default_factory=tuple)
    # or "module:Name", imported by the OpenAPI generator only; or "text/csv" (a CSV body, E6)
    response: type[BaseModel] | str | None = None
    headers: dict[str, str] = field(default_factory=dict)  # request headers the route reads: name -> description
    step_up: bool = False  # F10: needs a recent sign-in or MFA (401 step_up_required otherwise)


def json_response(status: int, body: Any, headers: dict | None = None) -> Response:
    return Response(
        body=json.dumps(body, ensure_ascii=False, default=str),
        status_code=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


# The one table from a domain error to its HTTP status. A subclass answers its nearest
# listed ancestor's status (RolloverNotAllowed is an Unprocessable: 422).
HTTP_STATUS: dict[type[DomainError], int] = {
    DomainError: 400,
    InvalidInput: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Unprocessable: 422,
    RateLimited: 429,
}


def http_status_of(error: DomainError) -> int:
    return next(HTTP_STATUS[cls] for cls in type(error).__mro__ if cls in HTTP_STATUS)


def error_response(error: DomainError) -> Response:
    """{"error": code, "message": text}, and `problems` (path + message each) where an error
    lists several, e.g. every problem of a routing plan at once."""
    body: dict[str, Any] = {"error": error.code, "message": error.message}
    problems = getattr(error, "problems", None)
    if problems:
        body["problems"] = problems
    return json_response(http_status_of(error), body, getattr(error, "headers", None))


STEP_UP_MAX_AGE_S = 900  # F10: how long a sign-in without MFA counts for a step-up route (default)


def step_up_max_age_s() -> int:
    """F10: the step-up window, `STEP_UP_MAX_AGE_S` (seconds) from the environment, else 900."""
    try:
        return max(0, int(os.environ.get("STEP_UP_MAX_AGE_S") or STEP_UP_MAX_AGE_S))
    except ValueError:
        return STEP_UP_MAX_AGE_S


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ())) or "body"
        parts.append(f"{where}: {err.get('msg')}")
    return "; ".join(parts)


def parse_json(raw: bytes | str | None) -> Any:
    """The JSON value of a request body; anything else (empty, not JSON, not UTF-8, nested
    too deeply for the parser, e.g. 2,000 × `[`) is a 400 `malformed_json`, never a 500."""
    if not raw:
        raise InvalidInput("A JSON body is required.", code="missing_body")
    try:
        return json.loads(raw)
    except RecursionError:
        raise InvalidInput("The body is not valid JSON: it is nested too deeply.", code="malformed_json") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"The body is not valid JSON: {exc}", code="malformed_json") from None


def parse_body(raw: bytes | str | None, model: type[BaseModel]) -> BaseModel:
    from pydantic import ValidationError  # loaded already with `model`

    data = parse_json(raw)
    if not isinstance(data, dict):
        raise InvalidInput("The body must be a JSON object.", code="malformed_json")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(_validation_message(exc), code="validation_error") from None
    except RecursionError:
        raise InvalidInput("The body is nested too deeply.", code="malformed_json") from None


def parse_query(params: dict | None, model: type[BaseModel]) -> BaseModel:
    from pydantic import ValidationError  # loaded already with `model`

    try:
        return model.model_validate(params or {})
    except ValidationError as exc:
        raise InvalidInput(_validation_message(exc), code="invalid_query") from None


class Api:
    """A Chalice app plus the route declarations this project uses.

    api = Api("skysentral-admin")
    app = api.app            # the Lambda handler (`app.app` in template.yaml)

    @api.route("/admin/departments", "POST", roles=ADMINS, body=NewDepartment, status=201)
    def create_department(identity, directory, body): ...

    A view gets what its parameters name: path parameters, `identity` (from the verified
    token), `directory` (the store bound to that identity's company: `Directory.of(identity)`,
    so a route never chooses a tenant), `body` and `query` (parsed by the declared models).
    Every request binds its correlation id (`skysentral.correlation`: the `X-Correlation-Id`
    header when valid, else API Gateway's request id) for its log lines and the messages and
    executions it starts, and answers it in the `X-Correlation-Id` response header.
    """

    def __init__(self, name: str):
        self.app = Chalice(app_name=name)
        self.docs: list[RouteDoc] = []

    def route(
        self,
        path: str,
        method: str,
        *,
        roles: frozenset[str] | None,
        summary: str = "",
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        status: int = 200,
        errors: tuple[int, ...] = (),
        response: type[BaseModel] | str | None = None,
        headers: dict[str, str] | None = None,
        step_up: bool = False,
    ) -> Callable:
        """`roles=None` marks a public route (no token); `response` and `headers` only document.
        `step_up=True` (F10: actions that change money or access) also needs a sign-in within
        `STEP_UP_MAX_AGE_S` or with MFA, checked after the role: else 401 `step_up_required`."""

        def decorate(view: Callable) -> Callable:
            wants_directory = "directory" in inspect.signature(view).parameters
            if wants_directory and roles is None:
                raise TypeError(f"{view.__name__}: a public route has no identity to bind a directory to")
            if step_up and roles is None:
                raise TypeError(f"{view.__name__}: a public route has no sign-in to step up")

            @functools.wraps(view)
            def handler(**path_params):
                request = self.app.current_request
                correlation_id = correlation.bind(correlation.of_request(request.headers, request.context))
                try:
                    kwargs: dict[str, Any] = dict(path_params)
                    if roles is not None:
                        identity = Identity.from_claims((request.context.get("authorizer") or {}).get("claims"))
                        identity.require(roles)
                        if step_up:
                            identity.require_recent_auth(int(clock.now().timestamp()), step_up_max_age_s())
                        kwargs["identity"] = identity
                        if wants_directory:
                            kwargs["directory"] = _directory_of(identity)
                    if body is not None:
                        kwargs["body"] = parse_body(request.raw_body, body)
                    if query is not None:
                        kwargs["query"] = parse_query(request.query_params, query)
                    result = view(**kwargs)
                except DomainError as exc:  # a client error (4xx): nothing to log as ours
                    result = error_response(exc)
                except Exception:
                    logger.exception("unhandled error")
                    result = json_response(
                        500,
                        {"error": "internal_error", "message": "Something went wrong on our side; it has been logged."},
                    )
                if not isinstance(result, Response):
                    result = json_response(status, result)
                result.headers[correlation.HEADER] = correlation_id
                return result

            self.app.route(path, methods=[method], content_types=["*/*"])(handler)
            self.docs.append(
                RouteDoc(
                    path,
                    method,
                    summary or (view.__doc__ or "").strip().split("\n")[0],
                    roles,
                    body,
                    query,
                    status,
                    errors,
                    response,
                    dict(headers or {}),
                    step_up,
                )
            )
            return view

        return decorate


def _directory_of(identity: Identity) -> Any:
    """The store bound to the caller's company. Imported here, on the first request that
    needs it: pynamodb (and botocore) stay out of functions that never read the directory
    (the health check's cold start)."""
    from skysentral.store.directory_repository import Directory

    return Directory.of(identity)
