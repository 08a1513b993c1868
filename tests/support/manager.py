"""A Phase III workspace with the demo's people, deals, timelines and follow-ups, under a
unique name (so tests on the shared PostgreSQL database never meet)."""

from __future__ import annotations

from righthand.bootstrap import App
from righthand.policy.duties import Phase
from righthand.service import demo, demo_manager
from righthand.store.tables import ContactEmail, ContactPhone, ContactRow, Workspace
from tests.conftest import new_workspace, workspace_slug


def manager_workspace(app: App, phase: Phase = Phase.III) -> tuple[int, str]:
    """(workspace id, slug) of a fresh workspace seeded like the demo's sales side."""
    wid = new_workspace(app, phase)
    now = app.clock()
    with app.db.unit(wid) as session:
        ws = session.get(Workspace, wid)
        assert ws is not None
        ws.address_form = "Pat"
        ws.profile = {"email": "pat@harbourpine.example", "business_name": "Harbour & Pine"}
        for given, family, email, company, phone, _tags in demo.CONTACTS:
            contact = ContactRow(workspace_id=wid, given_name=given, family_name=family,
                                 display_name=f"{given} {family}", company=company,
                                 created_at=now)
            session.add(contact)
            session.flush()
            session.add(ContactEmail(workspace_id=wid, contact_id=contact.id, address=email))
            session.add(ContactPhone(workspace_id=wid, contact_id=contact.id, raw=phone,
                                     e164=phone.replace(" ", ""), label="mobile"))
        demo_manager.seed(session, wid, now, ws.timezone)
    return wid, workspace_slug(app, wid)
