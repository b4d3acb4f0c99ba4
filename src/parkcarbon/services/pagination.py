"""Paged listings: ``limit``/``offset`` in, ``{data, count, limit, offset}`` out."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")

MAX_LIMIT = 1000


class PageParams(BaseModel):
    limit: int = Field(default=100, ge=1, le=MAX_LIMIT)
    offset: int = Field(default=0, ge=0)


class Page(BaseModel, Generic[T]):
    data: list[T]
    count: int = Field(description="number of items matching the query, over all pages")
    limit: int
    offset: int


def paginate(s: Session, query: Select[Any], page: PageParams) -> tuple[list[Any], int]:
    """Rows of one page and the total count of ``query``."""
    total = s.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = list(s.scalars(query.limit(page.limit).offset(page.offset)))
    return rows, total
