"""A user sees only the workspaces they belong to, through every route; every unsafe route
needs the CSRF token; every page escapes what it shows.

The route tests enumerate ``app.routes``: a new page or API route is covered the day it is
added. A route with a new kind of path parameter fails here until ``ID_SOURCES`` (or
``PLAIN_PARAMS``) says how to fill it from another workspace's rows.
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import select

from righthand.policy.duties import Phase
from righthand.service import demo_mail
from righthand.store import tables
from righthand.store.tables import ApiToken, User, Workspace
from righthand.web import tokens
from righthand.web.settings import WebSettings
from tests.support.web import add_user, client, csrf, login, seed_demo, unique

# Path parameters naming a row: the table it comes from (looked up by class name, so a
# duty's table is listed here before its routes exist).
ID_SOURCES: dict[str, str] = {
    "approval_id": "Approval", "action_id": "ActionRow", "contact_id": "ContactRow",
    "list_id": "MailingListRow", "segment_id": "Segment", "deal_id": "DealRow",
    "item_id": "ItemRow", "vendor_id": "VendorRow", "po_id": "PurchaseOrder", "call_id": "CallRow",
    "order_id": "PurchaseOrder", "mailing_id": "Mailing", "event_id": "EventRow",
    "calendar_id": "CalendarRow", "import_id": "ImportJob", "message_id": "MailMessage",
    "rule_id": "ScreeningRule", "pipeline_id": "PipelineRow", "stage_id": "PipelineStage",
    "outbox_id": "OutboxRow", "entry_id": "OutboxRow", "token_id": "ApiToken",
}
# Parameters that name no workspace row: a value valid in any workspace.
PLAIN_PARAMS: dict[str, str] = {"duty": "lists.maintain", "index": "0"}
# Routes anyone may reach (their own protection: login CSRF, signed tokens).
PUBLIC = re.compile(r"^/(login|login/totp|healthz|api/openapi\.json|static|unsubscribe/\{token\}"
                    r"|confirm/\{token\}|hooks/twilio/\{slug\}/\{step\}|appointment/\{token\}"
                    r"|hooks/twilio/\{slug\}/assistant/\{step\})$")
# Signed-in routes that belong to no workspace.
ACCOUNT_WIDE = {"/", "/logout"}
SAMPLES = ("approve", "reject", "pending", "decided", "II", "ask", "reactive", "1")




@dataclass(frozen=True)
class RouteInfo:
    """One endpoint with its full path (routers included at any depth)."""

    path: str
    methods: frozenset[str]
    dependant: Any


def _app_routes(web) -> list[RouteInfo]:
    """Every API route of the app: ``app.routes``, with included routers walked."""
    try:
        from fastapi.routing import iter_route_contexts  # FastAPI keeps included routers nested
    except ImportError:  # older FastAPI flattens them into app.routes
        return [RouteInfo(r.path, frozenset(r.methods), r.dependant) for r in web.app.routes
                if isinstance(r, APIRoute)]
    found = []
    for context in iter_route_contexts(web.app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            found.append(RouteInfo(context.path, frozenset(context.methods or route.methods),
                                   route.dependant))
    return found


def _dummy(annotation: Any, field: Any = None) -> Any:
    """A valid-looking value of ``annotation`` (so validation passes and the route runs)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _dummy(typing.get_args(annotation)[0], field)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _dummy(options[0], field)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {name: _dummy(f.annotation, f) for name, f in annotation.model_fields.items()
                if f.is_required()}
    if origin in (dict, typing.Mapping) or annotation is dict:
        return {"subject": "x"}
    if origin in (list, tuple, set) or annotation is list:
        return []
    if annotation is int:
        return 1
    if annotation is float:
        return 1.0
    if annotation is bool:
        return False
    text = "x"
    for meta in getattr(field, "metadata", []) or []:
        if getattr(meta, "min_length", None):
            text = "x" * meta.min_length
        pattern = getattr(meta, "pattern", None)
        if pattern:
            text = next(s for s in SAMPLES if re.fullmatch(pattern, s))
    return text


def _body(route: RouteInfo) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(json, form) for a route's body parameters."""
    params = route.dependant.body_params
    if not params:
        return None, None
    form = any(type(p.field_info).__name__ == "Form" for p in params)
    values: dict[str, Any] = {}
    for p in params:
        annotation = p.field_info.annotation
        value = _dummy(annotation, p.field_info)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel) and \
                (form or len(params) == 1):
            values.update(value)
        else:
            values[p.alias] = value
    return (None, values) if form else (values, None)


def _row_id(application, workspace_id: int, table: str) -> int | None:
    cls = getattr(tables, table, None)
    if cls is None:
        return None
    with application.db.unit(workspace_id, write=False) as session:
        if table == "ApiToken":
            return session.scalar(select(ApiToken.id).where(ApiToken.workspace_id == workspace_id))
        found = session.scalar(select(cls.id).order_by(cls.id.desc()).limit(1))
        return int(found) if found is not None else None


@pytest.fixture
def two_offices(app, monkeypatch):
    """Workspaces A and B, each a full demo office with a pending approval and a token."""
    ours = seed_demo(app, monkeypatch, Phase.II)
    theirs = seed_demo(app, monkeypatch, Phase.II)
    for office in (ours, theirs):
        web = client(app)
        login(web, office.owner)
        token = csrf(web, office.slug)
        answer = web.post("/api/ask", json={"text": "Email Bob Miller that the keys are ready"},
                          headers={"X-CSRF-Token": token}).json()
        assert answer["actions"][0]["decision"] == "ask"
        web.post(f"/w/{office.slug}/settings/tokens",
                 data={"csrf_token": token, "name": "t", "scopes": list(tokens.SCOPES)})
        imported = web.post(f"/w/{office.slug}/contacts/import", data={"csrf_token": token},
                            files={"file": ("p.csv", b"Name,Email\nAl,al@example.com\n")},
                            follow_redirects=False)
        assert imported.status_code == 303, imported.text
        demo_mail.seed(app, office.workspace_id, office.slug, app.clock())
        ruled = web.post(f"/w/{office.slug}/inbox/rules",
                         data={"csrf_token": token, "text": "treat anything from a.example "
                                                            "as urgent"})
        assert ruled.status_code == 200, ruled.text
        item = _row_id(app, office.workspace_id, "ItemRow")
        ordered = web.post(f"/w/{office.slug}/supplies/items/{item}/order",
                           data={"csrf_token": token, "quantity": "1"})
        assert ordered.status_code == 200, ordered.text
    return ours, theirs


def _fill(path: str, values: dict[str, str]) -> str:
    for name in re.findall(r"\{(\w+)(?::\w+)?\}", path):
        path = re.sub(r"\{" + name + r"(?::\w+)?\}", values[name], path)
    return path


def test_every_route_answers_404_for_another_workspace(app, two_offices):
    ours, theirs = two_offices
    web = client(app)
    login(web, ours.owner)
    header = {"X-CSRF-Token": csrf(web, ours.slug)}
    bearer = {"Authorization": "Bearer " + _issue_token(app, ours)}
    checked, unknown = [], []
    for route in _app_routes(web):
        if PUBLIC.match(route.path) or route.path in ACCOUNT_WIDE:
            continue
        params = re.findall(r"\{(\w+)", route.path)
        missing = [p for p in params if p not in ID_SOURCES and p not in PLAIN_PARAMS
                   and p != "workspace"]
        if missing:
            unknown.append(f"{route.path}: {missing}")
            continue
        if "workspace" not in params and not route.path.startswith("/api/"):
            unknown.append(f"{route.path}: neither under /w/{{workspace}} nor /api/")
            continue
        theirs_ids = {p: str(_row_id(app, theirs.workspace_id, ID_SOURCES[p]))
                      for p in params if p in ID_SOURCES}
        assert "None" not in theirs_ids.values(), \
            f"{route.path}: the fixture has no row for {theirs_ids}; extend two_offices"
        plain = {p: PLAIN_PARAMS[p] for p in params if p in PLAIN_PARAMS}
        json_body, form = _body(route)
        if form is not None:
            form["csrf_token"] = header["X-CSRF-Token"]
        cases = [({**plain, **theirs_ids, "workspace": theirs.slug}, theirs.slug)]
        if theirs_ids:  # our workspace, their row
            cases.append(({**plain, **theirs_ids, "workspace": ours.slug}, ours.slug))
        for method in sorted(route.methods - {"HEAD"}):
            for values, slug in cases:
                url = _fill(route.path, values)
                query = {"workspace": slug} if route.path.startswith("/api/") else None
                callers = [header, bearer] if route.path.startswith("/api/") else [header]
                for auth in callers:
                    answer = web.request(method, url, params=query, json=json_body, data=form,
                                         headers=auth, follow_redirects=False)
                    assert answer.status_code == 404, \
                        f"{method} {url} ({slug}) answered {answer.status_code}: " \
                        f"{answer.text[:300]}"
                    checked.append(f"{method} {url}")
    assert unknown == [], "classify these routes' parameters: " + "; ".join(unknown)
    assert len(checked) > 30

    # The positive control: the same GET pages with our own ids do answer.
    for route in _app_routes(web):
        params = re.findall(r"\{(\w+)", route.path)
        if "GET" not in route.methods or route.path.startswith("/api/") \
                or PUBLIC.match(route.path) or route.path in ACCOUNT_WIDE \
                or not set(params) <= {"workspace", *ID_SOURCES} or "token_id" in params:
            continue
        values = {p: str(_row_id(app, ours.workspace_id, ID_SOURCES[p]))
                  for p in params if p in ID_SOURCES}
        url = _fill(route.path, {**values, "workspace": ours.slug})
        answer = web.get(url, follow_redirects=False)
        assert answer.status_code in (200, 303), f"GET {url}: {answer.status_code}"



def _issue_token(app, office) -> str:
    with app.db.unit(None) as session:
        user = session.scalars(select(User).where(User.username == office.owner)).one()
        ws = session.get(Workspace, office.workspace_id)
        raw, _ = tokens.issue(session, user, ws, "owner", "iso", list(tokens.SCOPES),
                              app.clock(), "admin:test")
    return raw


def test_unsafe_routes_refuse_a_session_without_the_csrf_token(single_app, monkeypatch):
    office = seed_demo(single_app, monkeypatch, Phase.II)
    web = client(single_app)
    login(web, office.owner)
    refused = []
    for route in _app_routes(web):
        unsafe = route.methods - {"GET", "HEAD", "OPTIONS"}
        if not unsafe or PUBLIC.match(route.path):
            continue
        values = {p: "1" for p in re.findall(r"\{(\w+)", route.path)}
        values.update(PLAIN_PARAMS, workspace=office.slug)
        json_body, form = _body(route)
        for method in unsafe:
            answer = web.request(method, _fill(route.path, values), json=json_body, data=form,
                                 follow_redirects=False)
            assert answer.status_code == 403, f"{method} {route.path}: {answer.status_code}"
            refused.append(route.path)
    assert len(refused) > 15


HOSTILE = '<script>alert("x")</script>'
ATTRIBUTE = '" onmouseover="alert(1)" x="'


def test_every_page_escapes_hostile_data(single_app, monkeypatch):
    office = seed_demo(single_app, monkeypatch, Phase.II)
    with single_app.db.unit(office.workspace_id) as session:
        ws = session.get(Workspace, office.workspace_id)
        ws.client_name = f"Pat {HOSTILE}"
        ws.assistant_name = f"Jane{ATTRIBUTE}"
        ws.profile = {**(ws.profile or {}), "business_name": ATTRIBUTE, "signature": HOSTILE}
        contact = session.scalars(select(tables.ContactRow)
                                  .where(tables.ContactRow.display_name == "Bob Miller")).one()
        contact.display_name = f"Bob {HOSTILE} Miller"
        for occurrence in session.scalars(select(tables.EventOccurrence)):
            occurrence.summary = f"{occurrence.summary} {HOSTILE}"
            occurrence.location = ATTRIBUTE
    web = client(single_app)
    login(web, office.owner)
    token = csrf(web, office.slug)
    asked = web.post(f"/w/{office.slug}/ask",
                     data={"csrf_token": token, "text": f"Email Miller that {HOSTILE} is here"})
    assert asked.status_code == 200
    pages = [r.path for r in _app_routes(web) if "GET" in r.methods
             and re.findall(r"\{(\w+)", r.path) == ["workspace"]]
    assert len(pages) >= 8
    for path in pages:
        html = web.get(_fill(path, {"workspace": office.slug})).text
        assert "<script>alert" not in html, path
        assert 'onmouseover="alert(1)"' not in html, path
    calendar = web.get(f"/w/{office.slug}/calendar").text
    assert "Team stand-up &lt;script&gt;" in calendar  # shown, as text
    assert "Team stand-up &lt;script&gt;" in web.get(f"/w/{office.slug}/today").text
    approvals = web.get(f"/w/{office.slug}/approvals").text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in approvals
    api = web.get("/api/approvals").json()
    assert HOSTILE in api[0]["action"]["summary"]  # JSON carries the data as data


def test_the_openapi_schema_documents_the_api(single_app):
    schema = client(single_app).get("/api/openapi.json").json()
    paths = schema["paths"]
    for path, method in [("/api/ask", "post"), ("/api/agenda", "get"),
                         ("/api/approvals", "get"), ("/api/approvals/{approval_id}/approve",
                                                     "post"),
                         ("/api/job", "get"), ("/api/job/duties/{duty}", "put"),
                         ("/api/audit", "get"), ("/api/audit/verify", "get")]:
        assert method in paths[path], path
    assert "AnswerOut" in schema["components"]["schemas"]
    assert not any(p.startswith("/w/") for p in paths)  # pages are not API


def test_a_session_of_an_unknown_workspace_name_is_a_404_too(single_app, monkeypatch):
    office = seed_demo(single_app, monkeypatch, Phase.I)
    web = client(single_app, WebSettings())
    login(web, office.owner)
    assert web.get("/w/no-such-office/today").status_code == 404
    assert web.get("/api/agenda", params={"workspace": unique("none")}).status_code == 404
    lonely = add_user(single_app, unique("lonely"), None)
    other = client(single_app)
    login(other, lonely)
    assert other.get(f"/w/{office.slug}/today").status_code == 404
    assert other.get("/", follow_redirects=False).status_code == 404
