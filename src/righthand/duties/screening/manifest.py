"""Manifests of screening.email and screening.calls."""

from righthand.domain.actions import Initiative
from righthand.policy.duties import ActionKind, DutyManifest, Phase, Risk

SCREENING_EMAIL = DutyManifest(
    id="screening.email", title="Screening email", phase=Phase.II, risk=Risk.MEDIUM,
    nature=Initiative.PROACTIVE, read_scopes=frozenset({"mailbox", "contacts", "deals"}),
    description="Sort incoming mail, flag what matters, draft replies, keep a digest.",
    action_kinds=(
        ActionKind("mail.file", "Label, move or flag a message", undoable=True, via="mailbox"),
        ActionKind("mail.forward", "Forward an urgent message to the client", via="mail"),
        ActionKind("mail.forward_sms", "Text the client's own phone about an urgent message",
                   via="sms"),
        ActionKind("mail.draft_reply", "Send a drafted reply", via="mail"),
    ))

SCREENING_CALLS = DutyManifest(
    id="screening.calls", title="Screening calls", phase=Phase.II, risk=Risk.MEDIUM,
    nature=Initiative.REACTIVE, read_scopes=frozenset({"calls", "contacts"}),
    description="Answer the line: ring through, take a message, or block.",
    action_kinds=(ActionKind("calls.route", "Ring through, take a message or block a call",
                             via="telephony"),
                  ActionKind("calls.correct", "Change how calls from one number are screened "
                             "(always put through, block, not spam)", undoable=True)))
