"""Who is asking, for which workspace, with what rights: the dependencies every route uses.

A request is authenticated by a bearer API token (``Authorization: Bearer rht_...``) or by the
session cookie. Pages need the cookie; the API takes either. A workspace is reached only
through a membership: any other workspace -- existing or not -- answers 404, so ids and names
of other clients' workspaces cannot even be probed. Unsafe requests carried by the cookie need
the session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``, which the
layout hands to htmx) and, when the browser sends one, a same-origin ``Origin`` header.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Query, Request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from righthand.store.scoping import WORKSPACE_KEY
from righthand.store.tables import Workspace, WorkspaceMember
from righthand.web import accounts, sessions, tokens
from righthand.web.settings import WebSettings

if TYPE_CHECKING:
    from righthand.bootstrap import App

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class LoginRequired(Exception):
    """No valid session: pages redirect to the sign-in page, the API answers 401."""


class Forbidden(HTTPException):
    """Signed in, but this role or token may not do that."""

    def __init__(self, what: str) -> None:
        super().__init__(403, what)


def get_app(request: Request) -> App:
    """The assembled Righthand behind this web app."""
    app: App = request.app.state.righthand
    return app


def get_web_settings(request: Request) -> WebSettings:
    """The web console's settings."""
    settings: WebSettings = request.app.state.web_settings
    return settings


@dataclass(frozen=True)
class Principal:
    """An authenticated user, by session cookie or by API token."""

    user_id: int
    username: str
    display_name: str
    is_admin: bool
    via: str  # "session" or "token"
    session_id: int | None = None
    csrf_token: str | None = None
    token_id: int | None = None
    token_workspace_id: int | None = None
    token_scopes: frozenset[str] | None = None
    token_membership: tokens.TokenWorkspace | None = None


@dataclass(frozen=True)
class Context:
    """One principal working in one workspace they belong to."""

    principal: Principal
    workspace_id: int
    slug: str
    client_name: str
    assistant_name: str
    timezone: str
    phase: int | None
    role: str
    memberships: tuple[accounts.Membership, ...] = field(default=())

    @property
    def actor(self) -> str:
        """The audit log's name for this user here: ``client:pat`` or ``staff:alice``."""
        return accounts.actor_for(self.role, self.principal.username)

    @property
    def is_owner(self) -> bool:
        """True for the client (the workspace's owner)."""
        return self.role == "owner"

    @property
    def scopes(self) -> frozenset[str]:
        """What this principal may do here: the role's rights, narrowed by the token's scopes."""
        allowed = tokens.ROLE_SCOPES.get(self.role, frozenset())
        if self.principal.token_scopes is not None:
            allowed = allowed & self.principal.token_scopes
        return allowed

    def allows(self, scope: str) -> bool:
        """True when ``scope`` is granted here."""
        return scope in self.scopes

    def require(self, scope: str) -> None:
        """Raise 403 unless ``scope`` is granted here."""
        if not self.allows(scope):
            if self.principal.token_scopes is not None and \
                    scope in tokens.ROLE_SCOPES.get(self.role, frozenset()):
                raise Forbidden(f"this API token lacks the '{scope}' scope")
            raise Forbidden("only the workspace's owner (the client) can do that")

    def url(self, path: str = "") -> str:
        """A page of this workspace."""
        return f"/w/{self.slug}/{path.lstrip('/')}"


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _resolve(request: Request, session: Session) -> Principal | None:
    """Authenticate ``request`` with ``session`` (once per request: the result is kept)."""
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    now = get_app(request).clock()
    principal: Principal | None = None
    needs_touch = False
    raw_token = _bearer(request)
    if raw_token is not None:
        grant = tokens.verify(session, raw_token, now)
        if grant is not None:
            principal = Principal(grant.user_id, grant.username, grant.display_name,
                                  grant.is_admin, "token", token_id=grant.token_id,
                                  token_workspace_id=grant.workspace_id,
                                  token_scopes=grant.scopes,
                                  token_membership=grant.membership)
            needs_touch = grant.needs_touch
    else:
        found = sessions.lookup(session, request.cookies.get(sessions.COOKIE), now)
        if found is not None and found.stage == sessions.STAGE_OK:
            principal = Principal(found.user_id, found.username, found.display_name,
                                  found.is_admin, "session", session_id=found.session_id,
                                  csrf_token=found.csrf_token)
            needs_touch = found.needs_touch
    request.state.principal = principal
    request.state.needs_touch = needs_touch
    return principal


def _touch(request: Request) -> None:
    """Record use of the session or token (at most every few minutes: reads stay reads)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None or not getattr(request.state, "needs_touch", False):
        return
    request.state.needs_touch = False
    app = get_app(request)
    with app.db.unit(None) as session:
        if principal.token_id is not None:
            tokens.touch(session, principal.token_id, app.clock())
        elif principal.session_id is not None:
            sessions.touch(session, principal.session_id, app.clock(), get_web_settings(request))


def optional_principal(request: Request) -> Principal | None:
    """The signed-in user (token first, then cookie), or None."""
    if not hasattr(request.state, "principal"):
        with get_app(request).db.unit(None, write=False) as session:
            _resolve(request, session)
        _touch(request)
    principal: Principal | None = request.state.principal
    return principal


MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]


def _unauthenticated(pages: bool) -> Exception:
    if pages:
        return LoginRequired()
    return HTTPException(401, "sign in, or send an API token: Authorization: Bearer rht_...",
                         headers={"WWW-Authenticate": "Bearer"})


_MEMBERSHIPS = (select(WorkspaceMember.role, Workspace.id, Workspace.slug, Workspace.client_name,
                       Workspace.assistant_name, Workspace.timezone, Workspace.phase)
                .join(Workspace, Workspace.id == WorkspaceMember.workspace_id)
                .where(WorkspaceMember.user_id == bindparam("user"))
                .order_by(WorkspaceMember.id))


def _context_in(session: Session, request: Request, slug: str | None, pages: bool) -> Context:
    principal = _resolve(request, session)
    if principal is None or (pages and principal.via != "session"):
        raise _unauthenticated(pages)
    rows: Sequence[Any]
    if principal.token_membership is not None:  # a token is for one workspace, read with it
        rows = [principal.token_membership]
    else:
        rows = session.execute(_MEMBERSHIPS, {"user": principal.user_id}).all()
        if principal.token_workspace_id is not None:
            rows = [r for r in rows if r.id == principal.token_workspace_id]
    chosen = next((r for r in rows if slug is None or r.slug == slug), None)
    if chosen is None:
        raise HTTPException(404, "no such workspace")
    mine = tuple(accounts.Membership(r.id, r.slug, r.client_name, r.role) for r in rows)
    return Context(principal, chosen.id, chosen.slug, chosen.client_name, chosen.assistant_name,
                   chosen.timezone, chosen.phase, chosen.role, mine)


def _context(request: Request, slug: str | None, *, pages: bool) -> Context:
    """Authenticate and find the membership in one short read (two indexed queries)."""
    with get_app(request).db.unit(None, write=False) as session:
        ctx = _context_in(session, request, slug, pages)
    _touch(request)
    return ctx


@contextmanager
def reading(request: Request, slug: str | None, *, pages: bool,
            touch: bool = True) -> Iterator[tuple[Context, Session]]:
    """For the busiest pages: authenticate, find the membership and read the workspace's data
    in one read-only unit (one connection, one transaction), scoped to the workspace once the
    membership is proven. ``touch=False`` leaves recording the session's use to the caller
    (an ``async`` page awaits :func:`touched`: that rare write may wait for SQLite's lock, and
    must not hold up the event loop)."""
    with get_app(request).db.unit(None, write=False, statements=True) as session:
        ctx = _context_in(session, request, slug, pages)
        session.info[WORKSPACE_KEY] = ctx.workspace_id
        yield ctx, session
    if touch:
        _touch(request)


async def touched(request: Request) -> None:
    """Record the use of the session or token off the event loop, when it is due (every few
    minutes): the async counterpart of what :func:`reading` does after its unit."""
    if getattr(request.state, "needs_touch", False):
        await run_in_threadpool(_touch, request)


def page_context(request: Request, workspace: str) -> Context:
    """The signed-in user in the workspace named by the path (404 unless a member)."""
    return _context(request, workspace, pages=True)


WorkspaceQuery = Annotated[str | None, Query(
    description="Workspace name; default: the token's workspace, or your first one.",
    max_length=64)]


def api_context(request: Request, workspace: WorkspaceQuery = None) -> Context:
    """The API caller in the workspace asked for (404 unless a member, or the token's own)."""
    return _context(request, workspace, pages=False)


def api_scope(scope: str) -> Callable[..., Context]:
    """A dependency: the API context, requiring ``scope``."""

    def dependency(ctx: Annotated[Context, Depends(api_context)]) -> Context:
        """The context, once the scope is checked."""
        ctx.require(scope)
        return ctx

    dependency.__name__ = f"api_scope_{scope}"
    return dependency


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None:
        return True  # not sent by every browser for same-origin POSTs; the token decides
    host = request.headers.get("host", "")
    return origin != "null" and urlsplit(origin).netloc.lower() == host.lower()


async def csrf_protect(request: Request) -> None:
    """Refuse unsafe cookie-authenticated requests without the session's CSRF token."""
    if request.method in SAFE_METHODS:
        return  # reads change nothing (and cost no extra query here)
    principal = await run_in_threadpool(optional_principal, request)
    if principal is None or principal.via != "session":
        return
    if not _same_origin(request):
        raise HTTPException(403, "cross-site request refused (Origin does not match)")
    sent = request.headers.get(CSRF_HEADER)
    if not sent and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or principal.csrf_token is None or \
            not hmac.compare_digest(sent.encode(), principal.csrf_token.encode()):
        raise HTTPException(403, "the form's security token is missing or out of date; "
                                 "reload the page and try again")


PageContext = Annotated[Context, Depends(page_context)]
ApiRead = Annotated[Context, Depends(api_scope("read"))]
ApiAsk = Annotated[Context, Depends(api_scope("ask"))]
ApiApprove = Annotated[Context, Depends(api_scope("approve"))]
ApiJob = Annotated[Context, Depends(api_scope("job"))]
