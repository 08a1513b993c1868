"""Manifest of sales.track."""

from righthand.domain.actions import Initiative
from righthand.policy.duties import ActionKind, DutyManifest, Phase, Risk

SALES_TRACK = DutyManifest(
    id="sales.track", title="Tracking the sales cycle", phase=Phase.III, risk=Risk.MEDIUM,
    nature=Initiative.PROACTIVE,
    read_scopes=frozenset({"deals", "contacts", "calendar", "mailbox", "calls"}),
    description="Know where every deal stands, what is next and what is stalled.",
    action_kinds=(ActionKind("sales.update_deal", "Change a deal (stage, next step, outcome)",
                             undoable=True),
                  ActionKind("sales.create_deal", "Add a deal to a pipeline", undoable=True),
                  ActionKind("sales.import_deals", "Import deals from a CRM export",
                             undoable=True)))
