"""Finding likely duplicates and merging them without losing anything; undo splits them."""

from __future__ import annotations

from sqlalchemy import select

from righthand.domain.actions import Action
from righthand.duties.lists.duplicates import find_duplicates, simplify
from righthand.service import undo
from righthand.store.tables import (
    ContactEmail,
    ContactRow,
    Mailing,
    MailingRecipient,
    Subscription,
)
from tests.conftest import new_workspace
from tests.support.contacts import contact, import_bytes, make_list, propose, state_on

PEOPLE = (b"name,email,phone,company,tags,notes,colour\n"
          b"Jon Smith,jon@example.com,617 555 0100,Smith Co,buyer,first,blue\n"
          b"John Smith,john.smith@work.example,,Smith Co,vip,second,green\n"
          b"Bob Miller,bob.miller@example.com,617 555 0142,,,,\n"
          b"Robert Miller,rob@example.org,(617) 555-0142,,,,\n"
          b"Bob Chen,bob.chen@example.net,,,,,\n"
          b"Alice Jones,alice@example.com,,,,,\n"
          b"Tom Jones,tom@example.com,,,,,\n"
          b"Smith John,jsmith@example.net,,,,,\n")


def _ids(app, ws):
    with app.db.unit(ws, write=False) as session:
        return {e.address: e.contact_id for e in session.scalars(select(ContactEmail))}


def test_likely_duplicates(app):
    ws = new_workspace(app)
    import_bytes(app, ws, PEOPLE, "people.csv")
    ids = _ids(app, ws)
    with app.db.unit(ws, write=False) as session:
        pairs = find_duplicates(session)
    found = {(p.first, p.second): p for p in pairs}

    def pair(a, b):
        return found.get((min(ids[a], ids[b]), max(ids[a], ids[b])))

    phone = pair("bob.miller@example.com", "rob@example.org")
    assert phone is not None and "same phone number +16175550142" in phone.reasons
    names = pair("jon@example.com", "john.smith@work.example")
    assert names is not None and names.reasons[0].startswith("similar names")
    assert pair("john.smith@work.example", "jsmith@example.net").reasons == ["same name"]
    assert pair("bob.miller@example.com", "bob.chen@example.net") is None
    assert pair("alice@example.com", "tom@example.com") is None
    assert pairs[0].score >= pairs[-1].score
    assert simplify("Zoë  O'Brien-Smith") == "zoe obrien smith"


def test_merge_keeps_everything_and_undo_splits(app, clock):
    ws = new_workspace(app)
    newsletter = make_list(app, ws)
    buyers = make_list(app, ws, "buyers", "Buyer alerts", "double")
    import_bytes(app, ws, PEOPLE, "people.csv", list_name="newsletter")
    ids = _ids(app, ws)
    keep, other = ids["jon@example.com"], ids["john.smith@work.example"]
    with app.db.unit(ws) as session:  # the other one left the newsletter; both on buyers
        session.scalars(select(Subscription).where(
            Subscription.contact_id == other, Subscription.list_id == newsletter)
        ).one().state = "unsubscribed"
        session.add(Subscription(workspace_id=ws, list_id=buyers, contact_id=other,
                                 state="confirmed", source="sign-up form",
                                 changed_at=clock(), consent_at=clock()))
        mailing = Mailing(workspace_id=ws, name="Spring", subject="Spring", body_text="Hi",
                          status="finished", created_at=clock())
        session.add(mailing)
        session.flush()
        session.add(MailingRecipient(workspace_id=ws, mailing_id=mailing.id, contact_id=other,
                                     address="john.smith@work.example", status="sent"))
    before_keep, before_other = contact(app, ws, "jon@example.com"), \
        contact(app, ws, "john.smith@work.example")

    merged = propose(app, ws, Action(duty="lists.maintain", kind="contacts.merge",
                                     payload={"keep": keep, "others": [other]},
                                     summary="merge", undoable=True))
    assert merged.state == "done"
    after = contact(app, ws, "john.smith@work.example")
    assert after["id"] == keep and contact(app, ws, "jon@example.com")["id"] == keep
    assert [a for a, _ in after["emails"]] == ["jon@example.com", "john.smith@work.example"]
    assert sorted(after["tags"]) == ["buyer", "vip"]
    assert after["notes"] == "first\n\nsecond"
    assert after["attributes"]["colour"] == "blue"
    assert after["attributes"][f"colour (from #{other})"] == "green"
    assert after["attributes"]["also known as"] == "John Smith"
    assert state_on(app, ws, newsletter, "jon@example.com") == "unsubscribed"  # opt-out wins
    assert state_on(app, ws, buyers, "jon@example.com") == "confirmed"
    with app.db.unit(ws, write=False) as session:
        assert session.get(ContactRow, other) is None
        assert session.scalar(select(MailingRecipient.contact_id)) == keep  # history kept

    with app.db.unit(ws) as session:
        message = undo.undo(session, app.registry, merged.id, clock())
    assert f"Split #{other} out of #{keep}" in message
    for address, before in (("jon@example.com", before_keep),
                            ("john.smith@work.example", before_other)):
        again = contact(app, ws, address)
        for key in ("id", "display_name", "emails", "phones", "tags", "notes", "attributes",
                    "company"):
            assert again[key] == before[key], (address, key)
        assert [(m["list"], m["state"]) for m in again["lists"]] == \
            [(m["list"], m["state"]) for m in before["lists"]]
    with app.db.unit(ws, write=False) as session:
        assert session.scalar(select(MailingRecipient.contact_id)) == other


def test_merge_deduplicates_phones_and_refuses_nonsense(single_app):
    ws = new_workspace(single_app)
    import_bytes(single_app, ws, PEOPLE, "people.csv")
    ids = _ids(single_app, ws)
    keep, other = ids["bob.miller@example.com"], ids["rob@example.org"]
    done = propose(single_app, ws, Action(duty="lists.maintain", kind="contacts.merge",
                                        payload={"keep": keep, "others": [other]},
                                        summary="merge", undoable=True))
    assert done.state == "done"
    bob = contact(single_app, ws, "rob@example.org")
    assert [p["e164"] for p in bob["phones"]] == ["+16175550142"]
    failed = propose(single_app, ws, Action(duty="lists.maintain", kind="contacts.merge",
                                          payload={"keep": keep, "others": [keep]},
                                          summary="merge itself", undoable=True))
    assert failed.state == "failed"
