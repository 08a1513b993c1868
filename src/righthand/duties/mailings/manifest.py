"""Manifest of mailings.send."""

from righthand.domain.actions import Initiative
from righthand.policy.duties import ActionKind, DutyManifest, Phase, Risk

MAILINGS_SEND = DutyManifest(
    id="mailings.send", title="Sending mailings", phase=Phase.I, risk=Risk.MEDIUM,
    nature=Initiative.REACTIVE, read_scopes=frozenset({"contacts", "lists", "mailings"}),
    description="Email campaigns and printed letters and labels to a list or segment.",
    action_kinds=(
        # via "campaign": the dispatcher hands the whole campaign to service/campaigns.py
        ActionKind("mailings.send_campaign", "Send an email campaign to a list", via="campaign"),
        ActionKind("mailings.test_send", "Send a test of a mailing to the client", via="mail"),
        ActionKind("mailings.print", "Produce merged letters and labels as PDF"),
        # Local: they put the campaign's outbox entry back to work (mail goes out again), so
        # they meet the gate like a send; pausing and cancelling only stop mail and are not
        # actions (see service/campaign_control.py).
        ActionKind("mailings.resume", "Resume a paused email campaign", reaches_out=True),
        ActionKind("mailings.retry", "Send a campaign again to its failed recipients",
                   reaches_out=True),
    ))
