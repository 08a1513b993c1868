"""Printed mailings: merged letters as one PDF (with the workspace's letterhead) and address
labels on Avery 5160 sheets. Plain data in, PDF bytes out; :class:`PrintEffect` writes them.

Avery 5160 (US Letter): 3 columns x 10 rows = 30 labels of 2.625" x 1"; top margin 0.5",
side margins 0.1875", 0.125" between columns, no gap between rows. Labels fill a sheet row by
row, left to right; ``offset`` skips the labels already used on a partly used first sheet.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import inch
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy.orm import Session

from righthand.duties.mailings import merge, store
from righthand.duties.mailings.merge import Person
from righthand.duties.mailings.templates import Renderer, TemplateProblem
from righthand.duties.plugin import EffectResult
from righthand.errors import BadInput, CannotUndo, NotFound
from righthand.store.tables import Mailing, Workspace

PAGE_W, PAGE_H = float(LETTER[0]), float(LETTER[1])
LABELS_PER_SHEET, COLUMNS, ROWS = 30, 3, 10
LABEL_W, LABEL_H = 2.625 * inch, 1.0 * inch
TOP, SIDE, GAP = 0.5 * inch, 0.1875 * inch, 0.125 * inch
PAD_X, PAD_Y, LABEL_SIZE = 0.12 * inch, 0.14 * inch, 9.5
FONT, BOLD = "Helvetica", "Helvetica-Bold"
MARGIN, BODY_SIZE, LEADING = 1.0 * inch, 11.0, 14.0


@dataclass(frozen=True)
class Cell:
    """Where one label goes: the sheet (0-based) and the label's top-left corner in points."""

    page: int
    column: int
    row: int
    x: float
    top: float


def cell(index: int, offset: int = 0) -> Cell:
    """The cell of the ``index``-th label (0-based) when ``offset`` labels are already used."""
    slot = index + offset
    page, within = divmod(slot, LABELS_PER_SHEET)
    row, column = divmod(within, COLUMNS)
    return Cell(page, column, row, SIDE + column * (LABEL_W + GAP), PAGE_H - TOP - row * LABEL_H)


def address_lines(person: Person) -> list[str]:
    """The lines of a postal address block (empty when the contact has no address)."""
    postal: Mapping[str, Any] = person.postal_address or {}
    street = str(postal.get("street") or "").strip()
    if not street and not postal.get("postal_code"):
        return []
    name = person.display_name or " ".join(
        p for p in (person.given_name, person.family_name) if p) or person.address
    town = str(postal.get("locality") or "").strip()
    region = " ".join(str(postal.get(k) or "").strip() for k in ("region", "postal_code")).strip()
    lines = [name]
    if person.company:
        lines.append(person.company)
    lines.extend(part.strip() for part in street.splitlines() if part.strip())
    lines.append(", ".join(p for p in (town, region) if p))
    if postal.get("country"):
        lines.append(str(postal["country"]).strip())
    return [line for line in lines if line]


def sort_postal(people: Sequence[Person]) -> list[Person]:
    """By postal code (then name); people without one last."""
    def key(p: Person) -> tuple[int, str, str]:
        code = str((p.postal_address or {}).get("postal_code") or "").strip().upper()
        return (0 if code else 1, code, (p.display_name or p.address).lower())
    return sorted(people, key=key)


def labels_pdf(people: Sequence[Person], offset: int = 0) -> bytes:
    """Avery 5160 label sheets for ``people`` (who all have an address), from ``offset``."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=LETTER, invariant=True)
    canvas.setTitle("Address labels (Avery 5160)")
    page = 0
    for index, person in enumerate(people):
        where = cell(index, offset)
        while where.page > page:
            canvas.showPage()
            page += 1
        lines = address_lines(person)[:5]
        size = LABEL_SIZE if len(lines) <= 4 else LABEL_SIZE - 1.5
        canvas.setFont(FONT, size)
        for n, line in enumerate(lines):
            text = _fit(line, LABEL_W - 2 * PAD_X, size)
            canvas.drawString(where.x + PAD_X, where.top - PAD_Y - size - n * (size + 1.5), text)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _fit(text: str, width: float, size: float) -> str:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    while text and float(stringWidth(text, FONT, size)) > width:
        text = text[:-2] + "\u2026" if len(text) > 2 else ""
    return text


@dataclass(frozen=True)
class Letterhead:
    """The sender's block at the top of every letter (from the workspace profile)."""

    name: str
    lines: tuple[str, ...] = ()

    @classmethod
    def from_profile(cls, profile: Mapping[str, Any] | None, fallback: str) -> Letterhead:
        """business_name, postal_address lines, phone, email."""
        data = profile or {}
        address = data.get("postal_address") or []
        lines = [str(a) for a in (address if isinstance(address, list) else [address])]
        lines += [f"Tel. {data['phone']}"] if data.get("phone") else []
        lines += [str(data["email"])] if data.get("email") else []
        return cls(str(data.get("business_name") or fallback), tuple(lines))


def letters_pdf(letters: Sequence[tuple[Person, str]], letterhead: Letterhead,
                day: date) -> bytes:
    """One PDF: for each (recipient, merged text) a letter starting on a new page."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=LETTER, invariant=True)
    canvas.setTitle("Letters")
    width = PAGE_W - 2 * MARGIN
    for person, body in letters:
        y = _letterhead(canvas, letterhead)
        canvas.setFont(FONT, BODY_SIZE)
        canvas.drawString(MARGIN, y, day.strftime("%B %d, %Y").replace(" 0", " "))
        y -= 2 * LEADING
        for line in address_lines(person):
            canvas.drawString(MARGIN, y, line)
            y -= LEADING
        y -= LEADING
        for paragraph in body.rstrip().split("\n"):
            for line in simpleSplit(paragraph, FONT, BODY_SIZE, width) or [""]:
                if y < MARGIN:
                    canvas.showPage()
                    canvas.setFont(FONT, BODY_SIZE)
                    y = PAGE_H - MARGIN
                canvas.drawString(MARGIN, y, line)
                y -= LEADING
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _letterhead(canvas: Canvas, head: Letterhead) -> float:
    y: float = PAGE_H - 0.75 * inch
    canvas.setFont(BOLD, 16)
    canvas.drawString(MARGIN, y, head.name)
    canvas.setFont(FONT, 9)
    for line in head.lines:
        y -= 11
        canvas.drawString(MARGIN, y, line)
    y -= 8
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, y, PAGE_W - MARGIN, y)
    return y - 3 * LEADING


def _write(path: str, data: bytes) -> None:
    target = Path(path)
    if target.suffix.lower() != ".pdf":  # an approved print writes PDFs, never other files
        raise BadInput(f"{path} does not end in .pdf; nothing was written",
                       hint="Give file names like letters.pdf and labels.pdf.")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)


class PrintEffect:
    """Applies ``mailings.print``: writes the letters and labels PDFs the payload names."""

    def apply(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
              now: datetime) -> EffectResult:
        """Merge, lay out and write the files; who had no postal address is reported."""
        mailing = session.get(Mailing, int(payload["mailing_id"]))
        ws = session.get(Workspace, workspace_id)
        if mailing is None or ws is None:
            raise NotFound(f"the mailing {payload.get('mailing')!r} no longer exists")
        templates = store.templates_of(mailing)
        if templates.content_hash != payload.get("content_hash"):
            raise BadInput(f"the mailing {mailing.name!r} changed after this print was "
                           "approved; nothing was printed",
                           hint=f"Ask again: `righthand mailings print \"{mailing.name}\" ...`.")
        found = store.targets(session, mailing.list_id, mailing.segment_id) \
            if mailing.list_id else []
        everyone = store.people(session, found)
        people = [p for p in everyone if address_lines(p)]
        if not people:
            raise BadInput(f"none of the {len(everyone)} recipient(s) of {mailing.name!r} has "
                           "a postal address; nothing was printed",
                           hint="Add postal addresses to the contacts (`righthand contacts`), "
                                "then print again.")
        if payload.get("sort") == "postal":
            people = sort_postal(people)
        result: dict[str, Any] = {"recipients": len(people),
                                  "no_postal_address": [p.address for p in everyone
                                                        if not address_lines(p)][:50]}
        if payload.get("letters"):
            letters = _merge_letters(templates.text, people, ws)
            day = now.astimezone(ZoneInfo(ws.timezone)).date()
            head = Letterhead.from_profile(ws.profile, ws.client_name)
            _write(str(payload["letters"]), letters_pdf(letters, head, day))
            result["letters"] = str(payload["letters"])
        if payload.get("labels"):
            _write(str(payload["labels"]), labels_pdf(people, int(payload.get("offset") or 0)))
            result["labels"] = str(payload["labels"])
            result["label_sheets"] = cell(max(len(people) - 1, 0),
                                          int(payload.get("offset") or 0)).page + 1
        return EffectResult(result=result)

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str:
        """Printing cannot be taken back."""
        raise CannotUndo("printed letters and labels cannot be undone",
                         hint="Delete the PDF files if you no longer want them.")


def _merge_letters(template: str, people: Sequence[Person],
                   ws: Workspace) -> list[tuple[Person, str]]:
    from righthand.duties.mailings.templates import Templates

    renderer = Renderer(Templates("letter", template, None))
    business = str((ws.profile or {}).get("business_name") or "")
    letters: list[tuple[Person, str]] = []
    problems: dict[str, list[str]] = {}
    for person in people:
        try:
            context = merge.context(person, business_name=business)
            letters.append((person, renderer.render(context).text))
        except TemplateProblem as exc:
            problems.setdefault(exc.message, []).append(person.address)
    if problems:
        message, who = next(iter(problems.items()))
        raise TemplateProblem(f"{message} (for {len(who)} recipient(s), e.g. {who[0]}); "
                              "nothing was printed")
    return letters
