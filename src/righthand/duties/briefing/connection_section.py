"""The briefing's first section, "Not working right now": every connection problem of the
workspace (mail server, mailbox, calendar server, deliveries waiting or in doubt) in plain
words with what to do -- the same list ``righthand status`` prints. It says nothing when all
is well, and a problem leaves the briefing by itself once its connection works again."""

from __future__ import annotations

from righthand.duties.briefing.sections import Context, Section, SectionSource, register
from righthand.service import health

TITLE = "Not working right now"


def connections(ctx: Context) -> Section | None:
    """The workspace's current problems, oldest first, each with what to do."""
    found = health.problems(ctx.session, now=ctx.now)
    if not found:
        return None
    return Section("connections", TITLE,
                   [f"{p.text} What to do: {p.what_to_do}" for p in found])


register(SectionSource("connections", TITLE, "briefing.manage", frozenset({"approvals"}), 5,
                       connections))
