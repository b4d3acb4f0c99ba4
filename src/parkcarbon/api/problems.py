"""RFC 9457 problem details (``application/problem+json``) for every error the API returns."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY

from parkcarbon.api.bodylimits import too_large_reason
from parkcarbon.ingest.parse import NESTED_TOO_DEEPLY
from parkcarbon.services.errors import PROBLEM_BASE, InvalidInput, ServiceError, validation_code

PROBLEM_JSON = "application/problem+json"


class FieldError(BaseModel):
    """One rejected field: where it is and why (more keys, e.g. ``activity`` or ``row``, may be present)."""

    model_config = ConfigDict(extra="allow")
    field: str
    reason: str
    code: str = "input.invalid"
    location: str | None = None


class Problem(BaseModel):
    """The error body of every non-2xx answer."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    code: str = "bad_request"
    errors: list[FieldError] = []


def problem_response(
    request: Request,
    status: int,
    title: str,
    detail: str | None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    *,
    code: str,
) -> JSONResponse:
    error = ServiceError(detail or title, errors=errors, code=code)
    return problem_json(request, error, status, title, headers)


def problem_json(
    request: Request,
    exc: ServiceError,
    status: int | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = exc.to_problem(instance=request.url.path)
    if status is not None:
        body["status"] = status
    if title is not None:
        body["title"] = title
        body["type"] = PROBLEM_BASE + title.lower().replace(" ", "-")
    return JSONResponse(body, status_code=body["status"], media_type=PROBLEM_JSON, headers=headers)


def _field_name(loc: tuple[Any, ...]) -> tuple[str, str | None]:
    parts = list(loc)
    where = str(parts.pop(0)) if parts and parts[0] in {"body", "query", "path", "header", "cookie"} else None
    return ".".join(str(p) for p in parts) or (where or "request"), where


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        field, where = _field_name(tuple(err.get("loc", ())))
        reason = str(err.get("msg", "is invalid")).removeprefix("Value error, ")
        if err.get("type") == "missing":
            reason = "is required"
        code = validation_code(str(err.get("type", "")), reason)
        out.append({"field": field, "reason": reason, "code": code, "location": where})
    return out


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json."""

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> JSONResponse:
        headers = None
        if "retry_after_seconds" in exc.extra:
            headers = {"Retry-After": str(exc.extra["retry_after_seconds"])}
        if exc.status == 401:
            headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
        return problem_json(request, exc, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors[:5])
        return problem_response(request, 422, "Invalid input", detail, errors, code="invalid_input")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {
            404: "Not found",
            405: "Method not allowed",
            401: "Not authenticated",
            403: "Forbidden",
            413: "Payload too large",
        }
        codes = {
            404: "not_found",
            405: "method_not_allowed",
            401: "unauthenticated",
            403: "forbidden",
            413: "payload_too_large",
        }
        headers = dict(exc.headers) if exc.headers else None
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": ", ".join(_allowed_methods(app, request.url.path))}
        detail, errors = str(exc.detail), None
        if exc.status_code == 413:  # the streamed body passed the limit (bodylimits)
            reason = too_large_reason(request.scope.get(MAX_BODY_SIZE_SCOPE_KEY) or 0)
            detail, errors = f"body: {reason}", [{"field": "body", "reason": reason}]
        elif exc.status_code == 400 and isinstance(exc.__cause__, RecursionError):
            detail, errors = (
                f"body: {NESTED_TOO_DEEPLY}",
                [{"field": "body", "reason": NESTED_TOO_DEEPLY, "code": "input.format"}],
            )
        return problem_response(
            request,
            exc.status_code,
            titles.get(exc.status_code, "Bad request" if exc.status_code == 400 else "Error"),
            detail,
            errors,
            headers=headers,
            code=codes.get(exc.status_code, "bad_request"),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(
            request,
            500,
            "Internal error",
            "an unexpected error occurred; it has been logged",
            code="internal_error",
        )


def document_problems(app: FastAPI) -> None:
    """Make the OpenAPI document say what the API does: every error answer is problem+json."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        from fastapi.openapi.utils import get_openapi

        spec = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        problem_ref = {"$ref": "#/components/schemas/Problem"}
        for item in spec.get("paths", {}).values():
            for operation in item.values():
                responses = operation.setdefault("responses", {})
                for code, response in responses.items():
                    if code == "default" or not code.startswith(("2", "3")):
                        response["content"] = {PROBLEM_JSON: {"schema": problem_ref}}
                        if code == "422":
                            response["description"] = (
                                "Invalid input (problem+json naming each field and reason)"
                            )
                responses.setdefault(
                    "default",
                    {"description": "problem+json error", "content": {PROBLEM_JSON: {"schema": problem_ref}}},
                )
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(
            Problem.model_json_schema(ref_template="#/components/schemas/{model}").pop("$defs", {})
        )
        schemas["Problem"].pop("$defs", None)
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


class OperationIndex:
    """The operations of the OpenAPI document by concrete path: allowed methods, declared query names."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self._paths: list[tuple[re.Pattern[str], dict[str, frozenset[str]]]] = []
        for template, item in spec.get("paths", {}).items():
            pattern = re.compile("^" + re.sub(r"\\{[^/]+\\}", "[^/]+", re.escape(template)) + "$")
            methods = {
                method.upper(): frozenset(
                    p["name"] for p in op.get("parameters", []) if p.get("in") == "query"
                )
                for method, op in item.items()
            }
            self._paths.append((pattern, methods))

    def lookup(self, path: str) -> dict[str, frozenset[str]]:
        for pattern, methods in self._paths:
            if pattern.match(path):
                return methods
        return {}


def operation_index(app: FastAPI) -> OperationIndex:
    index: OperationIndex | None = getattr(app.state, "operation_index", None)
    if index is None:
        index = app.state.operation_index = OperationIndex(app.openapi())
    return index


def _allowed_methods(app: FastAPI, path: str) -> list[str]:
    return sorted(operation_index(app).lookup(path))


def reject_unknown_query(request: Request) -> None:
    """Refuse query parameters the operation does not declare: a misspelt filter must not widen a listing."""
    if not request.query_params:
        return
    declared = operation_index(request.app).lookup(request.url.path).get(request.method)
    if declared is None:
        return
    unknown = sorted(set(request.query_params) - declared)
    if unknown:
        raise InvalidInput(
            f"unknown query parameter(s): {', '.join(repr(u) for u in unknown)}",
            errors=[
                {"field": u, "reason": "is not a parameter of this operation", "location": "query"}
                for u in unknown
            ],
        )
