"""Lists: opt-in states and consent, the suppression list no mailing bypasses, imports that
never reset an unsubscribe, segments, and the same things asked in words."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from righthand.domain.actions import Action
from righthand.duties.lists.segments import build_filter, recipients
from righthand.duties.lists.subscriptions import unsubscribe_address
from righthand.duties.lists.suppression import suppress
from righthand.errors import BadInput
from righthand.service import undo
from righthand.service.assistant import ask
from righthand.store.tables import Segment, Subscription
from tests.conftest import new_workspace, workspace_slug
from tests.support.contacts import contact, import_bytes, make_list, propose, state_on

PEOPLE = (b"name,email,other emails,city,tags,source,phone\n"
          b"Ann Able,ann@example.com,,Boston,vip; buyer,open house,617 555 0101\n"
          b"Bob Chen,bob.chen@example.net,bob@home.example,Cambridge,buyer,web,\n"
          b"Cat Cole,cat@example.com,,Boston,lead,open house,\n"
          b"Dan Dee,dan@example.com,,Quincy,,,\n"
          b"Maria Garcia,maria@garcialaw.example,,Boston,attorney,,+1 617 555 0170\n")


def _subscribe(app, ws, list_id, email, name):
    return propose(app, ws, Action(duty="lists.maintain", kind="lists.subscribe",
                                   payload={"list_id": list_id, "list": "x", "name": name,
                                            "email": email, "source": "requested by client"},
                                   summary="subscribe", undoable=True))


def _addresses(app, ws, list_id, segment_id=None):
    with app.db.unit(ws, write=False) as session:
        return [r.address for r in recipients(session, list_id, segment_id)]


def test_single_and_double_opt_in_record_consent(app, clock):
    ws = new_workspace(app)
    single = make_list(app, ws)
    double = make_list(app, ws, "buyers", "Buyer alerts", "double")
    assert _subscribe(app, ws, single, "sue@example.com", "Sue Park").state == "done"
    assert _subscribe(app, ws, double, "sue@example.com", "Sue Park").state == "done"
    with app.db.unit(ws, write=False) as session:
        subs = {s.list_id: s for s in session.scalars(select(Subscription))}
    assert subs[single].state == "confirmed" and subs[single].consent_at == clock()
    assert subs[single].source == "requested by client"
    assert subs[double].state == "unconfirmed" and subs[double].consent_at is None
    assert _addresses(app, ws, single) == ["sue@example.com"]
    assert _addresses(app, ws, double) == []  # waiting for the person's click


def test_suppression_is_never_bypassed(app, clock):
    ws = new_workspace(app)
    newsletter = make_list(app, ws)
    make_list(app, ws, "buyers", "Buyer alerts", "double")
    import_bytes(app, ws, PEOPLE, "people.csv", list_name="newsletter")
    assert len(_addresses(app, ws, newsletter)) == 5
    with app.db.unit(ws) as session:
        suppress(session, ws, "ANN@example.com", "complaint", "fbl", clock())
        suppress(session, ws, "bob.chen@example.net", "hard_bounce", "dsn 5.1.1", clock())
        suppress(session, ws, "cat@example.com", "unsubscribed", "one-click", clock())
        suppress(session, ws, "dan@example.com", "manual", "client", clock())
    found = _addresses(app, ws, newsletter)
    # Bob's first address bounced: his second one is used. Everyone else suppressed is out.
    assert found == ["bob@home.example", "maria@garcialaw.example"]
    with app.db.unit(ws) as session:
        suppress(session, ws, "bob@home.example", "unsubscribed", "one-click", clock())
    assert _addresses(app, ws, newsletter) == ["maria@garcialaw.example"]
    # A suppressed address is not put on a list by an import either.
    job, _ = import_bytes(app, ws, PEOPLE, "people.csv", list_name="buyers")
    assert job.report["result"]["not_subscribed_suppressed"] == 4


@pytest.mark.parametrize("mode", ["add", "update", "skip"])
def test_an_import_never_resets_an_unsubscribe(app, clock, mode):
    ws = new_workspace(app)
    newsletter = make_list(app, ws)
    import_bytes(app, ws, PEOPLE, "people.csv", list_name="newsletter")
    with app.db.unit(ws) as session:
        unsubscribe_address(session, ws, newsletter, "ann@example.com", "one-click", clock())
    again = PEOPLE.replace(b"phone\n", b"phone,lists\n", 1).replace(b"0101\n", b"0101,"
                                                                      b"newsletter:confirmed\n")
    job, _ = import_bytes(app, ws, again, "again.csv", mode=mode, list_name="newsletter")
    assert state_on(app, ws, newsletter, "ann@example.com") == "unsubscribed"
    if mode != "skip":
        assert job.report["result"]["kept_unsubscribed"] >= 1
    assert "ann@example.com" not in _addresses(app, ws, newsletter)


def test_an_import_can_record_an_opt_out_but_never_an_opt_in_over_one(single_app):
    ws = new_workspace(single_app)
    newsletter = make_list(single_app, ws)
    import_bytes(single_app, ws, PEOPLE, "people.csv", list_name="newsletter")
    data = b"email,lists\nbob.chen@example.net,newsletter:unsubscribed; unknown-list\n"
    job, _ = import_bytes(single_app, ws, data, "optout.csv", mode="add")
    assert state_on(single_app, ws, newsletter, "bob.chen@example.net") == "unsubscribed"
    assert job.report["result"]["unknown_lists"] == 1


def test_segments(app):
    ws = new_workspace(app)
    newsletter = make_list(app, ws)
    other = make_list(app, ws, "buyers", "Buyer alerts")
    import_bytes(app, ws, PEOPLE, "people.csv", list_name="newsletter")

    def save(name, conditions, match="all", list_id=None):
        row = propose(app, ws, Action(duty="lists.maintain", kind="segments.save",
                                      payload={"name": name, "filter": build_filter(
                                          conditions, match), "list_id": list_id},
                                      summary=name, undoable=True))
        assert row.state == "done", row.result
        return row

    def members(name):
        with app.db.unit(ws, write=False) as session:
            segment = session.scalars(select(Segment).where(Segment.name == name)).one()
            return [r.address for r in recipients(session, newsletter, segment.id)]

    save("boston vips", ["city=boston", "tag=VIP"])
    assert members("boston vips") == ["ann@example.com"]
    save("not buyers", ["tag!=buyer"])
    assert members("not buyers") == ["cat@example.com", "dan@example.com",
                                     "maria@garcialaw.example"]
    save("open house or attorneys", ["source=open house", "tag=attorney"], match="any")
    assert members("open house or attorneys") == ["ann@example.com", "cat@example.com",
                                                  "maria@garcialaw.example"]
    save("has a source", ["source?"])
    assert len(members("has a source")) == 3
    save("no source", ["!source?"])
    assert members("no source") == ["dan@example.com", "maria@garcialaw.example"]
    save("web or quincy", ["city=Quincy|Cambridge"])
    assert members("web or quincy") == ["bob.chen@example.net", "dan@example.com"]
    save("lawyers by address", ["email~garcialaw", "phone?"])
    assert members("lawyers by address") == ["maria@garcialaw.example"]
    save("starts", ["name^ma"])
    assert members("starts") == ["maria@garcialaw.example"]

    edited = save("boston vips", ["city=Boston"])  # replacing a filter is undoable
    assert len(members("boston vips")) == 3
    with app.db.unit(ws) as session:
        undo.undo(session, app.registry, edited.id, app.clock())
    assert members("boston vips") == ["ann@example.com"]

    save("buyers only", ["tag=buyer"], list_id=other)
    with app.db.unit(ws, write=False) as session:
        segment = session.scalars(select(Segment).where(Segment.name == "buyers only")).one()
        with pytest.raises(BadInput, match="belongs to another list"):
            recipients(session, newsletter, segment.id)
    with pytest.raises(BadInput):
        build_filter(["nonsense"])


def test_asking_in_words(app, clock):
    ws = new_workspace(app)
    slug = workspace_slug(app, ws)
    newsletter = make_list(app, ws)
    import_bytes(app, ws, PEOPLE, "people.csv", list_name="newsletter")

    shown = ask(app, "Who is on the newsletter list?", slug)
    assert shown.intent == "lists.show"
    assert shown.answer.startswith("5 on Newsletter: Ann Able, Bob Chen, Cat Cole")
    phone = ask(app, "What's Maria Garcia's phone number?", slug)
    assert phone.intent == "contacts.lookup" and "+1 617 555 0170" in phone.answer
    assert "no phone" in ask(app, "What's Dan Dee's phone number?", slug).answer
    assert "don't have anyone" in ask(app, "What's Zed Zero's email?", slug).answer

    taken = ask(app, "Take Bob Chen off the newsletter", slug)
    [action] = taken.actions
    assert (action.kind, action.decision, action.state) == ("lists.unsubscribe", "allow", "done")
    assert state_on(app, ws, newsletter, "bob.chen@example.net") == "unsubscribed"
    assert "already left" in ask(app, "Take Bob Chen off the newsletter", slug).answer
    again = ask(app, "Add Bob Chen, bob.chen@example.net, to the newsletter list", slug)
    assert again.actions == [] and "won't add them back" in again.answer
    with app.db.unit(ws) as session:
        undo.undo(session, app.registry, action.id, clock())
    assert state_on(app, ws, newsletter, "bob.chen@example.net") == "confirmed"

    added = ask(app, "Add a contact: Jo Bloggs, jo@example.com, 617 555 0101", slug)
    [create] = added.actions
    assert (create.kind, create.state) == ("contacts.create", "done")
    jo = contact(app, ws, "jo@example.com")
    assert jo["display_name"] == "Jo Bloggs" and jo["phones"][0]["e164"] == "+16175550101"
    assert "already has" in ask(app, "Add a contact: Jo B, jo@example.com", slug).answer

    everywhere = ask(app, "Take Cat Cole off all lists", slug)
    assert everywhere.actions[0].kind == "suppression.add"
    assert "cat@example.com" not in _addresses(app, ws, newsletter)
    refused = ask(app, "Add Cat Cole, cat@example.com, to the newsletter list", slug)
    assert refused.actions == [] and "suppression list" in refused.answer


def test_a_list_with_members_cannot_be_undone_away(single_app):
    ws = new_workspace(single_app)
    created = propose(single_app, ws, Action(duty="lists.maintain", kind="lists.create",
                                           payload={"slug": "spring", "name": "Spring",
                                                    "opt_in": "single"},
                                           summary="create", undoable=True))
    assert created.state == "done"
    import_bytes(single_app, ws, PEOPLE, "people.csv", list_name="spring")
    from righthand.errors import CannotUndo

    with single_app.db.unit(ws) as session, pytest.raises(CannotUndo, match="subscribers"):
        undo.undo(session, single_app.registry, created.id, single_app.clock())
