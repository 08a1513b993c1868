"""Reading deals from a CRM's CSV export: HubSpot ("Record ID", "Deal Name", "Deal Stage",
"Close Date", "Associated Company"...), Pipedrive ("Deal - Title", "Deal - Value",
"Deal - Stage", "Deal - Status", "Deal - Contact person"...) and hand-made sheets with plain
headers. Pure: bytes in, checked records and rejected rows (with the reason) out.

Decoding and splitting reuse the contacts importer's reader (``duties.lists.csv_io``):
encodings, delimiters, Excel's ``sep=`` line and formula-escaped cells are handled the same.
Dates: ISO, US and European numeric forms (a file with any day above 12 first is read
day-first throughout) and written months. Amounts: "$615,000", "615.000,00", "1 250,50".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from righthand.duties.lists import csv_io
from righthand.errors import BadInput

FIELDS = ("external_id", "title", "pipeline", "stage", "status", "amount", "currency",
          "expected_close", "owner", "company", "contacts", "emails", "probability", "next_step",
          "next_step_due", "lost_reason", "won_at", "lost_at", "created_at", "stage_since",
          "tags", "notes")
_HEADERS: dict[str, str] = {
    "record id": "external_id", "deal id": "external_id", "id": "external_id",
    "deal name": "title", "title": "title", "name": "title", "deal": "title",
    "deal title": "title", "opportunity name": "title",
    "pipeline": "pipeline", "deal pipeline": "pipeline",
    "deal stage": "stage", "stage": "stage", "pipeline stage": "stage",
    "status": "status", "deal status": "status",
    "amount": "amount", "value": "amount", "deal value": "amount", "deal amount": "amount",
    "currency": "currency", "deal currency code": "currency", "currency code": "currency",
    "close date": "expected_close", "expected close date": "expected_close",
    "expected close": "expected_close", "closing date": "expected_close",
    "deal owner": "owner", "owner": "owner", "owner name": "owner",
    "associated company": "company", "associated company primary": "company",
    "organization": "company", "organisation": "company", "company": "company",
    "company name": "company", "organization name": "company", "account name": "company",
    "associated contact": "contacts", "associated contact primary": "contacts",
    "associated contacts": "contacts", "contact person": "contacts", "contact": "contacts",
    "contacts": "contacts", "person": "contacts", "contact name": "contacts",
    "person name": "contacts", "contact email": "emails", "person email": "emails",
    "email": "emails", "emails": "emails",
    "probability": "probability", "deal probability": "probability",
    "win probability": "probability",
    "next step": "next_step", "next activity": "next_step", "next activity subject": "next_step",
    "next step due": "next_step_due", "next activity date": "next_step_due",
    "lost reason": "lost_reason", "closed lost reason": "lost_reason",
    "won time": "won_at", "closed won date": "won_at", "lost time": "lost_at",
    "closed lost date": "lost_at",
    "create date": "created_at", "deal created": "created_at", "created": "created_at",
    "add time": "created_at", "last stage change": "stage_since",
    "date entered current stage": "stage_since",
    "label": "tags", "labels": "tags", "tags": "tags", "deal type": "tags",
    "notes": "notes", "description": "notes", "deal description": "notes", "note": "notes",
}
_STATUS = {"open": "open", "won": "won", "lost": "lost", "closed won": "won",
           "closed lost": "lost", "closedwon": "won", "closedlost": "lost", "deleted": "lost",
           "active": "open", "in progress": "open"}
_CURRENCY_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


class RowProblem(ValueError):
    """Why a row cannot be imported."""


@dataclass
class DealRecord:
    """One deal from the file, checked."""

    line: int
    title: str
    external_id: str | None = None
    pipeline: str | None = None
    stage: str | None = None
    status: str = "open"
    amount: str | None = None  # Decimal as text (JSON-safe)
    currency: str | None = None
    expected_close: str | None = None  # ISO dates
    owner: str | None = None
    company: str | None = None
    contacts: list[str] = field(default_factory=list)  # names or addresses
    probability: int | None = None
    next_step: str | None = None
    next_step_due: str | None = None
    lost_reason: str | None = None
    closed_on: str | None = None
    created_on: str | None = None
    stage_since: str | None = None
    tags: list[str] = field(default_factory=list)
    notes: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The stored form (empty fields left out)."""
        return {k: v for k, v in self.__dict__.items() if v not in (None, [], "")}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DealRecord:
        """The inverse of :meth:`to_json`."""
        return cls(**data)


@dataclass
class ReadResult:
    """The whole file, read and checked."""

    format: str  # hubspot pipedrive csv
    encoding: str
    delimiter: str
    header: list[str]
    columns: dict[str, str]  # header -> field ("" when not imported)
    records: list[DealRecord]
    invalid: list[list[str]]  # [row, reason, *cells]


def _norm(header: str) -> str:
    text = header.strip().lower()
    text = re.sub(r"^deal\s*-\s*", "", text)  # Pipedrive's "Deal - Title"
    text = re.sub(r"^person\s*-\s*", "person ", text)
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def detect_format(header: list[str]) -> str:
    """'pipedrive', 'hubspot' or 'csv'."""
    lowered = [h.strip().lower() for h in header]
    if any(h.startswith("deal - ") for h in lowered):
        return "pipedrive"
    if "record id" in lowered or ("deal name" in lowered and "deal stage" in lowered):
        return "hubspot"
    return "csv"


def plan(header: list[str]) -> list[str]:
    """The field each column holds ('' for columns that are not imported)."""
    out: list[str] = []
    taken: set[str] = set()
    for cell in header:
        name = _HEADERS.get(_norm(cell), "")
        if name and name in taken and name not in {"contacts", "emails", "tags", "notes"}:
            name = ""  # the first column of a kind wins ("Amount" before "Amount in USD")
        taken.add(name)
        out.append(name)
    if "title" not in out:
        raise BadInput("the file has no deal name column",
                       hint="Expected a column such as 'Deal Name' (HubSpot), 'Deal - Title' "
                            "(Pipedrive) or 'Title'.")
    return out


def parse_amount(text: str) -> tuple[Decimal, str | None]:
    """'$615,000' -> (615000, 'USD'); '615.000,00 EUR' -> (615000.00, 'EUR')."""
    raw = text.strip()
    currency = next((c for s, c in _CURRENCY_SYMBOLS.items() if s in raw), None)
    code = re.search(r"\b([A-Z]{3})\b", raw)
    if code:
        currency = code.group(1)
    digits = re.sub(r"[^0-9,.\-]", "", raw)
    if not re.search(r"\d", digits):
        raise RowProblem(f"amount {text!r} is not a number")
    if "," in digits and "." in digits:
        decimal_mark = "," if digits.rfind(",") > digits.rfind(".") else "."
    elif "," in digits:
        decimal_mark = "," if len(digits) - digits.rfind(",") - 1 in (1, 2) else ""
    elif digits.count(".") == 1:
        decimal_mark = "."
    else:
        decimal_mark = ""  # "1.250.000" is thousands
    thousands = {",", "."} - {decimal_mark}
    for mark in thousands:
        digits = digits.replace(mark, "")
    digits = digits.replace(",", ".")
    try:
        value = Decimal(digits)
    except InvalidOperation:
        raise RowProblem(f"amount {text!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise RowProblem(f"amount {text!r} is not a positive number")
    return value, currency


def day_first(cells: list[str]) -> bool:
    """True when some numeric date in ``cells`` can only be day-first (14/12/2026)."""
    for cell in cells:
        match = re.match(r"^\s*(\d{1,2})[/.](\d{1,2})[/.](\d{2,4})", cell)
        if match and int(match.group(1)) > 12:
            return True
    return False


def parse_date(text: str, dayfirst: bool = False) -> date:
    """A date in any of the forms CRMs export."""
    raw = text.strip()
    match = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})", raw)
    try:
        if match:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        match = re.match(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{2,4})", raw)
        if match:
            first, second, year = (int(g) for g in match.groups())
            year += 2000 if year < 100 else 0
            day, month = (first, second) if dayfirst else (second, first)
            return date(year, month, day)
        match = re.match(r"^(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?,?\s+(\d{4})", raw)
        if match and match.group(2).lower() in _MONTHS:
            return date(int(match.group(3)), _MONTHS.index(match.group(2).lower()) + 1,
                        int(match.group(1)))
        match = re.match(r"^([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})", raw)
        if match and match.group(1).lower() in _MONTHS:
            return date(int(match.group(3)), _MONTHS.index(match.group(1).lower()) + 1,
                        int(match.group(2)))
    except ValueError:
        pass
    raise RowProblem(f"{text!r} is not a date")


def _split(cell: str) -> list[str]:
    return [p.strip() for p in re.split(r"\s*[;|]\s*|\s*,\s*(?=[^,]*@)|\n", cell) if p.strip()]


def build(line: int, cells: list[str], fields: list[str], dayfirst: bool) -> DealRecord:
    """One checked record; RowProblem with the reason when the row cannot be kept."""
    values: dict[str, list[str]] = {}
    for name, cell in zip(fields, cells, strict=False):
        value = csv_io.unescape_cell(cell.strip())
        if name and value:
            values.setdefault(name, []).append(value)

    def one(name: str) -> str | None:
        return values.get(name, [None])[0]

    title = one("title")
    if not title:
        raise RowProblem("no deal name")
    if len(title) > 300:
        raise RowProblem("the deal name is longer than 300 characters")
    record = DealRecord(line=line, title=title, external_id=one("external_id"),
                        pipeline=one("pipeline"), stage=one("stage"), owner=one("owner"),
                        company=one("company"), next_step=one("next_step"),
                        lost_reason=one("lost_reason"), notes="\n".join(values.get("notes", []))
                        or None)
    status = one("status")
    stage_status = _STATUS.get((record.stage or "").strip().lower())
    if status:
        if status.strip().lower() not in _STATUS:
            raise RowProblem(f"status {status!r} is not open, won or lost")
        record.status = _STATUS[status.strip().lower()]
    elif stage_status in {"won", "lost"}:
        record.status = stage_status  # HubSpot says it with the stage: "Closed Won"
    amount = one("amount")
    if amount:
        parsed, symbol = parse_amount(amount)
        record.amount = str(parsed)
        record.currency = symbol
    currency = one("currency")
    if currency:
        if not re.fullmatch(r"[A-Za-z]{3}", currency.strip()):
            raise RowProblem(f"currency {currency!r} is not a three-letter code like USD")
        record.currency = currency.strip().upper()
    for name, target in (("expected_close", "expected_close"),
                         ("next_step_due", "next_step_due"), ("created_at", "created_on"),
                         ("stage_since", "stage_since")):
        text = one(name)
        if text:
            setattr(record, target, parse_date(text, dayfirst).isoformat())
    closed = one("won_at") if record.status == "won" else one("lost_at") \
        if record.status == "lost" else None
    if closed:
        record.closed_on = parse_date(closed, dayfirst).isoformat()
    probability = one("probability")
    if probability:
        try:
            number = float(probability.strip().rstrip("%").replace(",", "."))
        except ValueError:
            raise RowProblem(f"probability {probability!r} is not a number") from None
        number = number * 100 if 0 < number <= 1 and "." in probability else number
        if not 0 <= number <= 100:
            raise RowProblem(f"probability {probability!r} is not between 0 and 100")
        record.probability = round(number)
    for cell in values.get("contacts", []) + values.get("emails", []):
        for person in _split(cell):
            if person.lower() not in {c.lower() for c in record.contacts}:
                record.contacts.append(person[:320])
    for cell in values.get("tags", []):
        record.tags += [t for t in _split(cell.replace(",", ";")) if t][:20]
    return record


def read(data: bytes, encoding: str | None = None, delimiter: str | None = None) -> ReadResult:
    """Decode, split and check every row of a deals CSV export."""
    table = csv_io.read_table(data, encoding, delimiter)
    fields = plan(table.header)
    rows = list(table.rows)
    date_columns = [i for i, f in enumerate(fields)
                    if f in {"expected_close", "next_step_due", "created_at", "won_at",
                             "lost_at", "stage_since"}]
    dayfirst = day_first([cells[i] for _, cells in rows for i in date_columns if i < len(cells)])
    records: list[DealRecord] = []
    invalid: list[list[str]] = []
    seen: dict[str, int] = {}
    for number, cells in rows:
        try:
            record = build(number, cells, fields, dayfirst)
            if record.external_id and record.external_id in seen:
                raise RowProblem(f"the same id as row {seen[record.external_id]}")
        except RowProblem as exc:
            invalid.append([str(number), str(exc), *cells])
            continue
        if record.external_id:
            seen[record.external_id] = number
        records.append(record)
    return ReadResult(format=detect_format(table.header), encoding=table.encoding,
                      delimiter=table.delimiter, header=table.header,
                      columns={h: f for h, f in zip(table.header, fields, strict=True) if h},
                      records=records, invalid=invalid)
