"""Schema building blocks shared by every service."""

from __future__ import annotations

import re
import types
import typing
from datetime import datetime
from functools import cache
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    GetJsonSchemaHandler,
    ValidationInfo,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

_ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")


def iso8601_with_offset(value: Any) -> Any:
    """Accept a datetime or an ISO 8601 string carrying its UTC offset; refuse numbers and naive times."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("needs a UTC offset, e.g. 2026-01-01T00:00:00+08:00")
        return value
    if isinstance(value, str) and _ISO_WITH_OFFSET.match(value.strip()):
        return value.strip()
    raise ValueError("must be an ISO 8601 date-time with a UTC offset, e.g. 2026-01-01T00:00:00+08:00")


#: A point in time in a query parameter or body: ISO 8601 with its offset (stored as UTC).
Timestamp = Annotated[datetime, BeforeValidator(iso8601_with_offset)]


@cache
def _kinds(annotation: Any) -> frozenset[type]:
    """The plain types a field annotation admits (``float | None`` → {float, NoneType})."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _kinds(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return frozenset().union(*(_kinds(a) for a in typing.get_args(annotation)))
    return frozenset({annotation}) if isinstance(annotation, type) else frozenset()


class RequestModel(BaseModel):
    """A request body. JSON types are taken at their word: ``true`` is not a number, ``"5"`` is not an
    integer, ``0`` is not a date-time — such input is refused naming the field, never coerced. Unknown
    fields are refused too (422 naming the field), never silently ignored (issue 12)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _json_types(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None or info.field_name is None:
            return value
        annotation: Any = cls.model_fields[info.field_name].annotation
        kinds = _kinds(annotation)
        if kinds & {float, int} and not kinds & {str, bool} and isinstance(value, bool | str):
            raise ValueError("must be a JSON number")
        if kinds & {bool} and not kinds & {str, int, float} and not isinstance(value, bool):
            raise ValueError("must be true or false")
        if kinds & {datetime} and not kinds & {str}:
            return iso8601_with_offset(value)
        return value


class PatchModel(RequestModel):
    """A partial update: omitted fields stay as they are; ``null`` is refused unless the field is nullable."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise ValueError("cannot be null; omit the field to leave it unchanged")
        return value

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """Document non-nullable fields as such: drop ``null`` from their ``anyOf``."""
        schema = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        for name, prop in target.get("properties", {}).items():
            if name in cls.nullable or "anyOf" not in prop:
                continue
            options = [o for o in prop["anyOf"] if o.get("type") != "null"]
            if len(options) == 1:
                prop.update(options[0])
                del prop["anyOf"]
            else:
                prop["anyOf"] = options
            prop.pop("default", None)
        return schema
