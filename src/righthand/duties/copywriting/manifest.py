"""Manifest of copy.write."""

from righthand.domain.actions import Initiative
from righthand.policy.duties import ActionKind, DutyManifest, Phase, Risk

COPY_WRITE = DutyManifest(
    id="copy.write", title="Writing ad copy", phase=Phase.II, risk=Risk.LOW,
    nature=Initiative.REACTIVE, read_scopes=frozenset({"profile"}),
    description="Ad copy, listing blurbs and subject lines from a brief, within channel limits.",
    action_kinds=(ActionKind("copy.draft", "Save ad copy drafts for use", undoable=True),))
