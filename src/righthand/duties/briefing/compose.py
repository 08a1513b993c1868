"""Putting a briefing together: a greeting, the sections that have something to say, and the
two renderings -- plain text (the CLI, the email's text part) and HTML with the pictures (the
email's HTML part, the web page)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from righthand.domain.actions import Action, Initiative
from righthand.duties.briefing import (
    connection_section,  # noqa: F401 - problems first
    daily_sections,  # noqa: F401 - registers the built-ins
)
from righthand.duties.briefing.sections import Context, Section, build_all
from righthand.duties.briefing.settings import BriefingSettings
from righthand.duties.plugin import Workspace
from righthand.duties.sales.words import long_date
from righthand.policy.duties import DutyCatalog
from righthand.policy.job import JobDescription

STYLE = ("font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#111827;"
         "max-width:640px;line-height:1.45")


@dataclass(frozen=True)
class Briefing:
    """A briefing ready to print or send."""

    subject: str
    greeting: str
    sections: list[Section]
    signature: str
    kind: str = "daily"  # daily weekly
    empty_note: str = "Nothing needs you today."
    footer: list[str] = field(default_factory=list)
    #: the optional model's checked "In short" paragraph (duties/briefing/summary.py)
    summary: str | None = None

    @property
    def text(self) -> str:
        """The plain-text rendering."""
        parts = [self.greeting]
        if self.summary:
            parts.append(f"In short: {self.summary}")
        if not self.sections:
            parts.append(self.empty_note)
        for section in self.sections:
            lines = [section.title]
            lines += ["- " + line.replace("\n", "\n  ") for line in section.lines]
            parts.append("\n".join(lines))
        parts += self.footer
        parts.append(self.signature)
        return "\n\n".join(parts) + "\n"

    @property
    def html(self) -> str:
        """The HTML rendering, pictures inline."""
        body = [f"<p>{escape(self.greeting)}</p>"]
        if self.summary:
            body.append(f"<p><strong>In short:</strong> {escape(self.summary)}</p>")
        if not self.sections:
            body.append(f"<p>{escape(self.empty_note)}</p>")
        for section in self.sections:
            body.append(f'<h3 style="margin:20px 0 6px;font-size:16px">'
                        f"{escape(section.title)}</h3><ul style=\"margin:0;padding-left:20px\">")
            for line in section.lines:
                head, _, rest = line.partition("\n")
                extra = (f'<br><span style="color:#4b5563;font-size:13px">'
                         f"{escape(rest.strip())}</span>") if rest else ""
                body.append(f"<li>{escape(head)}{extra}</li>")
            body.append("</ul>")
            if section.svg:
                body.append(f'<div style="margin:12px 0">{section.svg}</div>')
        body += [f"<p>{escape(line)}</p>" for line in self.footer]
        body.append(f"<p>{escape(self.signature)}</p>")
        return (f'<!doctype html><html><head><meta charset="utf-8"><title>{escape(self.subject)}'
                f'</title></head><body style="{STYLE}">' + "".join(body) + "</body></html>")

    def mail_action(self, address: str, name: str,
                    initiative: Initiative = Initiative.PROACTIVE) -> Action:
        """The briefing.send action that emails it to the client."""
        return Action(duty="briefing.manage", kind="briefing.send",
                      payload={"recipients": [address], "to": [{"name": name,
                                                                "address": address}],
                               "subject": self.subject, "body": self.text, "html": self.html,
                               "briefing": self.kind},
                      summary=f"Email you “{self.subject}”", initiative=initiative)


def greeting(ws: Workspace, now: datetime) -> str:
    """'Good morning, Pat. Here's Thursday 26 November.'"""
    local = now.astimezone(ZoneInfo(ws.timezone))
    part = "morning" if local.hour < 12 else "afternoon" if local.hour < 17 else "evening"
    return f"Good {part}, {ws.addressee}. Here's {long_date(local.date())}."


def context(session: Session, ws: Workspace, now: datetime, job: JobDescription,
            catalog: DutyCatalog) -> Context:
    """The context the sections are built in."""
    return Context(session=session, workspace=ws, now=now,
                   today=now.astimezone(ZoneInfo(ws.timezone)).date(), job=job,
                   catalog=catalog)


def daily(ctx: Context, settings: BriefingSettings | None = None) -> Briefing:
    """Today's briefing: only sections whose duty is on and that have something to say."""
    off = settings.sections_off if settings else frozenset()
    sections = build_all(ctx, off)
    return Briefing(subject=f"Your briefing for {long_date(ctx.today)}",
                    greeting=greeting(ctx.workspace, ctx.now), sections=sections,
                    signature=f"— {ctx.workspace.assistant_name}")
