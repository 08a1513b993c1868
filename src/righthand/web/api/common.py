"""What the duty areas' read-only API modules share: the error table, the paging parameters,
and ``area(...)``: authenticate, check the ``read`` scope and the staff visibility rule the
pages use (``operations.readable``), and read in the same unit.

Paging: ``limit`` (1-200) and either ``offset`` (lists sorted by name: pass back the answer's
``next``) or ``before`` (newest-first feeds: pass back ``next``, the last id shown). ``next``
is null on the last page. Datetimes are ISO 8601 in UTC (``...Z``); amounts are decimal
strings.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Query, Request
from sqlalchemy.orm import Session

from righthand.web import operations
from righthand.web.api import models
from righthand.web.auth import Context, get_app, reading

ERRORS: dict[int | str, dict[str, object]] = {
    401: {"description": "Not signed in / no valid token"},
    403: {"model": models.Problem,
          "description": "Not allowed: the token lacks the 'read' scope, or (staff) no duty "
                         "that reads this area is switched on"},
    404: {"model": models.Problem, "description": "Not found in this workspace"},
}
MAX_PAGE = 200

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="How many (at most 200)")]
Offset = Annotated[int, Query(ge=0, le=10_000_000,
                              description="How many to skip: the previous answer's `next`")]
Before = Annotated[int | None, Query(ge=1, description="Only ids below this one: the previous "
                                                       "answer's `next`")]

@contextmanager
def area(request: Request, workspace: str | None, scope: str) -> Iterator[tuple[Context, Session]]:
    """The caller (scope ``read``) in the workspace, once allowed to see ``scope`` data, with
    a read-only session scoped to it: one unit for the check and the reads."""
    app = get_app(request)
    with reading(request, workspace, pages=False) as (ctx, session):
        ctx.require("read")
        operations.require_readable(session, app, ctx, scope)
        yield ctx, session


def next_offset(offset: int, limit: int, found: int) -> int | None:
    """The offset of the next page, when a row beyond this page was found."""
    return offset + limit if found > limit else None
