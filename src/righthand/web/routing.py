"""Router factories: every page router and API router gets CSRF protection by construction.

A duty page module does::

    router = page_router()            # routes under /w/{workspace}/...

    @router.get("/contacts")
    def contacts(request: Request, ctx: PageContext) -> HTMLResponse: ...

and is listed in ``righthand.web.app.AREAS``. ``ctx`` exists only for members of the workspace
(others get 404); ``ctx.require("approve")`` etc. guard owner-only actions.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from righthand.web.auth import csrf_protect


def page_router(**kwargs: Any) -> APIRouter:
    """A router for HTML pages of one workspace (``/w/{workspace}/...``), CSRF-protected."""
    return APIRouter(prefix="/w/{workspace}", dependencies=[Depends(csrf_protect)],
                     include_in_schema=False, **kwargs)


def api_router(**kwargs: Any) -> APIRouter:
    """A router for the JSON API (``/api/...``), CSRF-protected for cookie callers."""
    return APIRouter(prefix="/api", dependencies=[Depends(csrf_protect)], **kwargs)


def public_router(**kwargs: Any) -> APIRouter:
    """A router for pages outside any workspace (sign-in); CSRF still applies to sessions."""
    return APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False, **kwargs)
