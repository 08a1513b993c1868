"""Manifest of lists.maintain."""

from righthand.domain.actions import Initiative
from righthand.policy.duties import ActionKind, DutyManifest, Phase, Risk

LISTS_MAINTAIN = DutyManifest(
    id="lists.maintain", title="Contacts and mailing lists", phase=Phase.I, risk=Risk.LOW,
    nature=Initiative.REACTIVE, read_scopes=frozenset({"contacts", "lists"}),
    description="Keep contacts and mailing lists current: add, update, merge, subscribe.",
    action_kinds=(
        ActionKind("contacts.create", "Create a contact", undoable=True),
        ActionKind("contacts.update", "Change a contact's details", undoable=True),
        ActionKind("lists.subscribe", "Add a contact (new or known) to a mailing list",
                   undoable=True),
        ActionKind("lists.unsubscribe", "Take a contact off a mailing list", undoable=True),
        ActionKind("contacts.import", "Import contacts from a CSV or vCard file",
                   undoable=True),
        ActionKind("contacts.merge", "Merge duplicate contacts into one", undoable=True),
        ActionKind("lists.create", "Create a mailing list", undoable=True),
        ActionKind("segments.save", "Save a segment (a filter on tags and attributes)",
                   undoable=True),
        ActionKind("segments.delete", "Delete a segment", undoable=True),
        ActionKind("suppression.add", "Stop every mailing to an address (suppression list)",
                   undoable=True),
        ActionKind("suppression.remove", "Let mailings reach a suppressed address again",
                   undoable=True),
    ))
