"""The purchase order as a PDF: plain data in, bytes out (reportlab, no storage, no clock).

The output is byte-for-byte reproducible (reportlab's invariant mode), so rebuilding the PDF of
an unchanged order gives the same bytes -- and the same approval hash.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

_SYMBOLS = {"USD": "$", "CAD": "CA$", "AUD": "A$", "EUR": "\u20ac", "GBP": "\u00a3"}
MARGIN = 54.0
ROW = 16.0
BODY_FONT, BOLD_FONT = "Helvetica", "Helvetica-Bold"


@dataclass(frozen=True)
class Party:
    """A letterhead or address block: a name and the lines under it."""

    name: str
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocLine:
    """One row of the order table."""

    sku: str
    description: str
    quantity: int
    unit: str
    unit_price: Decimal
    total: Decimal


@dataclass(frozen=True)
class PurchaseOrderDoc:
    """Everything printed on a purchase order."""

    number: str
    issued: date
    currency: str
    buyer: Party
    vendor: Party
    lines: Sequence[DocLine]
    total: Decimal
    ship_to: Party | None = None
    notes: str | None = None
    paper: str = "letter"  # or "a4"
    terms: tuple[str, ...] = field(default=(
        "Please confirm this order and its expected delivery date by replying to this email.",
        "Quote the order number on the delivery note and the invoice."))


def money(amount: Decimal, currency: str) -> str:
    """``amount`` as the client reads it: $1,234.50, EUR 1,234.50 when there is no symbol."""
    value = f"{amount.quantize(Decimal('0.01')):,.2f}"
    symbol = _SYMBOLS.get(currency.upper())
    if amount < 0:
        return f"-{money(-amount, currency)}"
    return f"{symbol}{value}" if symbol else f"{currency.upper()} {value}"


def _fit(text: str, font: str, size: float, width: float) -> str:
    """``text`` shortened with an ellipsis to fit ``width`` points."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "...", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "..."


# Table columns: (title, x of the column's left edge or right edge, alignment)
_COLUMNS = (("SKU", 0.0, "left"), ("Description", 92.0, "left"), ("Qty", 340.0, "right"),
            ("Unit", 350.0, "left"), ("Unit price", 440.0, "right"), ("Total", 504.0, "right"))


class _Writer:
    """Draws the document page by page."""

    def __init__(self, doc: PurchaseOrderDoc) -> None:
        self.doc = doc
        self.size = A4 if doc.paper.lower() == "a4" else LETTER
        self.width, self.height = self.size
        self.buffer = io.BytesIO()
        self.canvas = Canvas(self.buffer, pagesize=self.size, invariant=1, pageCompression=1)
        self.canvas.setTitle(f"Purchase order {doc.number}")
        self.canvas.setAuthor(doc.buyer.name)
        self.canvas.setCreator("Righthand")
        self.page = 1
        self.y = 0.0

    # -- pieces ---------------------------------------------------------------------------------
    def text(self, x: float, y: float, value: str, size: float = 10, bold: bool = False,
             align: str = "left") -> None:
        font = BOLD_FONT if bold else BODY_FONT
        self.canvas.setFont(font, size)
        if align == "right":
            self.canvas.drawRightString(x, y, value)
        else:
            self.canvas.drawString(x, y, value)

    def letterhead(self) -> None:
        top = self.height - MARGIN
        doc = self.doc
        self.text(MARGIN, top - 4, doc.buyer.name, 16, bold=True)
        y = top - 20
        for line in doc.buyer.lines:
            self.text(MARGIN, y, line, 9)
            y -= 12
        right = self.width - MARGIN
        self.text(right, top - 4, "PURCHASE ORDER", 16, bold=True, align="right")
        self.text(right, top - 22, f"Number: {doc.number}", 10, align="right")
        self.text(right, top - 36, f"Date: {doc.issued:%d %B %Y}", 10, align="right")
        self.y = min(y, top - 48) - 14
        self.canvas.setLineWidth(0.8)
        self.canvas.line(MARGIN, self.y + 6, self.width - MARGIN, self.y + 6)
        self.y -= 12

    def parties(self) -> None:
        doc = self.doc
        blocks = [("Vendor", doc.vendor, MARGIN)]
        if doc.ship_to is not None:
            blocks.append(("Ship to", doc.ship_to, self.width / 2 + 20))
        lowest = self.y
        for title, party, x in blocks:
            y = self.y
            self.text(x, y, title.upper(), 8, bold=True)
            y -= 13
            self.text(x, y, party.name, 11, bold=True)
            for line in party.lines:
                y -= 12
                self.text(x, y, line, 9)
            lowest = min(lowest, y)
        self.y = lowest - 26

    def table_header(self) -> None:
        left = MARGIN
        self.canvas.setFillGray(0.92)
        self.canvas.rect(left - 4, self.y - 5, self.width - 2 * MARGIN + 8, ROW, stroke=0,
                         fill=1)
        self.canvas.setFillGray(0)
        for title, offset, align in _COLUMNS:
            self.text(left + offset, self.y, title, 9, bold=True, align=align)
        self.y -= ROW + 2

    def row(self, line: DocLine) -> None:
        left, currency = MARGIN, self.doc.currency
        cells = (line.sku, _fit(line.description, BODY_FONT, 9.5, 236), str(line.quantity),
                 line.unit, money(line.unit_price, currency), money(line.total, currency))
        for (_title, offset, align), value in zip(_COLUMNS, cells, strict=True):
            self.text(left + offset, self.y, value, 9.5, align=align)
        self.y -= ROW

    def footer(self, pages: int) -> None:
        label = f"{self.doc.number} - page {self.page} of {pages}"
        self.canvas.setFont(BODY_FONT, 8)
        self.canvas.drawCentredString(self.width / 2, MARGIN - 24, label)

    def totals(self) -> None:
        right = MARGIN + _COLUMNS[-1][1]
        self.canvas.setLineWidth(0.5)
        self.canvas.line(MARGIN + 300, self.y + ROW - 6, right, self.y + ROW - 6)
        self.y -= 6
        self.text(MARGIN + _COLUMNS[-2][1], self.y, f"Total ({self.doc.currency.upper()})", 11,
                  bold=True, align="right")
        self.text(right, self.y, money(self.doc.total, self.doc.currency), 11, bold=True,
                  align="right")
        self.y -= 30

    def closing(self) -> None:
        doc = self.doc
        if doc.notes:
            self.text(MARGIN, self.y, "Notes", 9, bold=True)
            for part in doc.notes.splitlines():
                self.y -= 12
                self.text(MARGIN, self.y, _fit(part, BODY_FONT, 9, self.width - 2 * MARGIN), 9)
            self.y -= 20
        for term in doc.terms:
            self.text(MARGIN, self.y, _fit(term, BODY_FONT, 8.5, self.width - 2 * MARGIN), 8.5)
            self.y -= 11

    # -- pagination -----------------------------------------------------------------------------
    def render(self) -> bytes:
        pages = self._pages()
        lines = list(self.doc.lines)
        for index, chunk in enumerate(pages):
            self.page = index + 1
            self.letterhead()
            if index == 0:
                self.parties()
            else:
                self.text(MARGIN, self.y, f"{self.doc.number} (continued)", 10, bold=True)
                self.y -= 22
            self.table_header()
            for line in lines[chunk[0]:chunk[1]]:
                self.row(line)
            if index == len(pages) - 1:
                self.totals()
                self.closing()
            self.footer(len(pages))
            self.canvas.showPage()
        self.canvas.save()
        return self.buffer.getvalue()

    def _pages(self) -> list[tuple[int, int]]:
        """Which lines go on which page (start, end); the totals stay with the last lines."""
        count = len(self.doc.lines)
        vendor_lines = max(len(self.doc.vendor.lines),
                           len(self.doc.ship_to.lines) if self.doc.ship_to else 0)
        head = 72 + 12 * len(self.doc.buyer.lines) + 13 + 12 * vendor_lines + 26 + ROW
        closing = 60 + 12 * (len((self.doc.notes or "").splitlines()) + 2) \
            + 11 * len(self.doc.terms)
        usable = self.height - 2 * MARGIN
        first = max(1, int((usable - head) // ROW))
        later = max(1, int((usable - 110) // ROW))
        pages: list[tuple[int, int]] = []
        start, room = 0, first
        while True:
            end = min(count, start + room)
            if end == count:
                fits = (usable - (head if not pages else 110)
                        - (end - start) * ROW) >= closing
                if fits or end == start:
                    pages.append((start, end))
                    return pages
                if end - start > 1:  # carry the last line over, with the totals
                    end -= 1
            pages.append((start, end))
            start, room = end, later


def render(doc: PurchaseOrderDoc) -> bytes:
    """The PDF of ``doc``."""
    return _Writer(doc).render()
