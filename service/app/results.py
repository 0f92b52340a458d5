"""What use cases of every capability answer with: pages, per-item results and result codes.

Mass operations answer per item: ``code`` OK when every item succeeded, PARTIAL when some did,
NONE when none did, and each failed item carries its own code, message and field. Operations
large enough to run as a background task answer BACKGROUND and the task's id at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Generic, TypeVar

from ..domain.errors import ConstraintViolation, SmsgwError
from ..domain.values import INT64_MAX

T = TypeVar("T")

MAX_PAGE_SIZE = 1000


class ResultCode(IntEnum):
    """The outcome of an operation on many items (seed 004's 0, 98, 99 and 100)."""

    OK = 0
    PARTIAL = 98      # some items succeeded, some failed
    NONE = 99         # every item failed
    BACKGROUND = 100  # the work runs as a background task; follow its task id


BACKGROUND = ResultCode.BACKGROUND


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing and the total number of matching items."""

    total: int
    items: list[T]


@dataclass(frozen=True)
class ItemResult:
    """The outcome of one item of a mass operation (``index`` in request order)."""

    index: int
    code: int = 0
    id: int | None = None
    message: str | None = None
    field: str | None = None


@dataclass(frozen=True)
class BatchResult:
    code: int
    items: list[ItemResult] = field(default_factory=list)
    task_id: int | None = None  # with code 100: the background task doing the work


def outcome(total: int, failed: int) -> ResultCode:
    """OK when nothing of ``total`` failed, NONE when everything did, else PARTIAL."""
    if not failed:
        return ResultCode.OK
    return ResultCode.NONE if failed == total else ResultCode.PARTIAL


def batch_result(items: list[ItemResult]) -> BatchResult:
    return BatchResult(outcome(len(items), sum(1 for i in items if i.code)), items)


def failure(index: int, error: SmsgwError, key: int | None = None) -> ItemResult:
    return ItemResult(index, error.code, key, error.message, error.field)


def paging(page: int | None, page_size: int | None) -> tuple[int, int]:
    """(offset, limit) of a 1-based page of ``page_size`` items (default 100, at most 1000)."""
    page = 1 if page is None else page
    size = 100 if page_size is None else page_size
    if page < 1:
        raise ConstraintViolation("page", "page starts at 1")
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ConstraintViolation("pageSize", f"page size must be 1..{MAX_PAGE_SIZE}",
                                  limit=MAX_PAGE_SIZE)
    last = INT64_MAX // size  # the databases' OFFSET is a 64-bit integer
    if page > last:
        raise ConstraintViolation("page", f"page must be 1..{last} with pageSize {size}",
                                  limit=last)
    return (page - 1) * size, size
