"""Manifest of email.send."""

from righthand.domain.actions import Initiative
from righthand.policy.duties import ActionKind, DutyManifest, Phase, Risk

EMAIL_SEND = DutyManifest(
    id="email.send", title="Email on your behalf", phase=Phase.II, risk=Risk.HIGH,
    nature=Initiative.REACTIVE, read_scopes=frozenset({"contacts", "mailbox", "profile"}),
    description="One-off email written and sent for the client, in the client's voice.",
    action_kinds=(ActionKind("email.send", "Send an email for the client", via="mail"),))
