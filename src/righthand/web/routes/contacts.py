"""Contacts: search, one contact's page with an edit form, and duplicates to merge. Reads come
from ``duties.lists`` (search, views, find_duplicates, check_merge); every change is a
``lists.maintain`` Action through the gate, as the signed-in user."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from righthand.domain.actions import Action
from righthand.duties.lists import contacts, duplicates, merge
from righthand.duties.lists.normalise import InvalidValue, normalise_email
from righthand.errors import BadInput, NotFound
from righthand.store.tables import ContactRow
from righthand.web import acting, operations
from righthand.web.auth import Context, PageContext, get_app
from righthand.web.render import NavItem, render
from righthand.web.routing import page_router

router = page_router()
NAV = [NavItem("contacts", "Contacts", "contacts", order=40)]
PAGE = 50
Text = Annotated[str, Form(max_length=400)]


def _list_page(request: Request, ctx: Context, q: str = "",
               notices: list[acting.Outcome] | None = None) -> HTMLResponse:
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        refusal = operations.readable(session, app, ctx, "contacts")
        people: list[dict[str, Any]] = []
        if refusal is None:
            rows = contacts.search(session, q, limit=PAGE) if q.strip() else list(
                session.scalars(select(ContactRow).order_by(ContactRow.display_name,
                                                            ContactRow.id).limit(PAGE)))
            people = contacts.views(session, [r.id for r in rows])
    return render(request, "contacts.html", ctx=ctx, active="contacts", title="Contacts",
                  people=people, q=q, refusal=refusal, notices=notices or [])


def _contact_page(request: Request, ctx: Context, contact_id: int,
                  notices: list[acting.Outcome] | None = None) -> HTMLResponse:
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        refusal = operations.readable(session, app, ctx, "contacts")
        found = [] if refusal else contacts.views(session, [contact_id])
    if refusal is None and not found:
        raise NotFound(f"there is no contact #{contact_id} in this workspace")
    person = found[0] if found else None
    return render(request, "contact.html", ctx=ctx, active="contacts",
                  title=person["display_name"] if person else "Contact", person=person,
                  refusal=refusal, notices=notices or [])


@router.get("/contacts", response_class=HTMLResponse)
def contact_list(request: Request, ctx: PageContext,
                 q: Annotated[str, Query(max_length=200)] = "") -> HTMLResponse:
    """Everyone (first page), or those matching the search."""
    return _list_page(request, ctx, q)


@router.get("/contacts/duplicates", response_class=HTMLResponse)
def duplicate_list(request: Request, ctx: PageContext) -> HTMLResponse:
    """Pairs that are probably one person, with why; merge keeps the one chosen."""
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        refusal = operations.readable(session, app, ctx, "contacts")
        pairs = [] if refusal else duplicates.find_duplicates(session, limit=100)
    return render(request, "duplicates.html", ctx=ctx, active="contacts", title="Duplicates",
                  pairs=pairs, refusal=refusal, notices=[])


@router.post("/contacts/merge", response_class=HTMLResponse)
def merge_pair(request: Request, ctx: PageContext, keep: Annotated[int, Form()],
               other: Annotated[int, Form()]) -> HTMLResponse:
    """Merge ``other`` into ``keep`` (a contacts.merge Action; undoable)."""
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        rows = merge.check_merge(session, keep, [other])
        names = ", ".join(f"{r.display_name} (#{r.id})" for r in rows[1:])
        action = Action(duty="lists.maintain", kind="contacts.merge",
                        payload={"keep": keep, "others": [other],
                                 "names": [r.display_name for r in rows]},
                        summary=f"Merge {names} into {rows[0].display_name} (#{keep})",
                        undoable=True)
    return _list_page(request, ctx, notices=acting.propose(app, ctx, [action]))


@router.get("/contacts/{contact_id}", response_class=HTMLResponse)
def contact_page(request: Request, ctx: PageContext, contact_id: int) -> HTMLResponse:
    """One contact: details, lists, and the edit form."""
    return _contact_page(request, ctx, contact_id)


def update_action(row: ContactRow, form: dict[str, str]) -> Action | None:
    """A contacts.update action for what the form changed (None when nothing did)."""
    changes: dict[str, Any] = {}
    for key in ("given_name", "family_name", "display_name"):
        value = form.get(key, "").strip()
        if value and value != getattr(row, key):
            changes[key] = value
    for key in ("company", "notes"):
        optional = form.get(key, "").strip() or None
        if optional != getattr(row, key):
            changes[key] = optional
    emails = []
    if form.get("add_email", "").strip():
        try:
            emails.append({"address": normalise_email(form["add_email"]), "label": None})
        except InvalidValue as exc:
            raise BadInput(str(exc), hint="Correct the address and save again.") from None
    tags = [t.strip() for t in form.get("add_tags", "").split(",") if t.strip()]
    payload = {"contact_id": row.id, "set": changes, "attributes": {}, "add_emails": emails,
               "add_phones": [], "add_tags": tags, "remove_tags": []}
    if not (changes or emails or tags):
        return None
    return Action(duty="lists.maintain", kind="contacts.update", payload=payload,
                  summary=f"Update {row.display_name} (#{row.id})", undoable=True)


@router.post("/contacts/{contact_id}", response_class=HTMLResponse)
def contact_save(request: Request, ctx: PageContext, contact_id: int,
                 display_name: Text = "", given_name: Text = "", family_name: Text = "",
                 company: Text = "", add_email: Text = "", add_tags: Text = "",
                 notes: Annotated[str, Form(max_length=5000)] = "") -> HTMLResponse:
    """Save the edit form as a contacts.update Action."""
    app = get_app(request)
    form = {"display_name": display_name, "given_name": given_name,
            "family_name": family_name, "company": company, "notes": notes,
            "add_email": add_email, "add_tags": add_tags}
    with app.db.unit(ctx.workspace_id, write=False) as session:
        row = session.get(ContactRow, contact_id)
        if row is None:
            raise NotFound(f"there is no contact #{contact_id} in this workspace")
        action = update_action(row, form)
    if action is None:
        raise BadInput("nothing was changed", hint="Change a field, then save.")
    return _contact_page(request, ctx, contact_id, acting.propose(app, ctx, [action]))
