"""Reading contacts from CSV in whatever shape a spreadsheet wrote it, and writing CSV that a
spreadsheet cannot turn into a formula.

Encodings: UTF-8 with or without BOM, UTF-16 (with or without BOM), and the legacy code pages
(cp1252 / latin-1 first, then whatever charset-normalizer recognises). Delimiters: comma,
semicolon, tab and pipe, chosen by csv.Sniffer and checked against the rows' shape.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from righthand.errors import BadInput

DELIMITERS = ",;\t|"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Spreadsheets cap a cell at 32,767 characters; be generous, but never unbounded.
FIELD_LIMIT = 1_000_000
_PREFERRED = ("cp1252", "cp1251", "cp1250", "cp932", "shift_jis", "gb18030", "big5", "cp949",
              "euc_kr", "koi8_r", "iso8859_15", "iso8859_2", "cp1253", "cp1254", "cp1255",
              "cp1256", "cp1257")
_NAMES = {"utf_8": "utf-8", "utf-8": "utf-8", "utf_8_sig": "utf-8-sig", "latin_1": "latin-1",
          "iso8859_1": "latin-1", "utf_16": "utf-16", "utf_16_le": "utf-16-le",
          "utf_16_be": "utf-16-be"}


@dataclass
class Table:
    """A decoded, split CSV file: its header and its data rows, numbered as a spreadsheet
    numbers them (the header is row 1)."""

    encoding: str
    delimiter: str
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]


def _unreadable(data: bytes) -> str | None:
    head = data[:8]
    if head.startswith(b"PK\x03\x04"):
        return "this is a ZIP archive (an Excel .xlsx or .ods workbook?), not CSV"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "this is an old Excel (.xls) workbook, not CSV"
    if head.startswith(b"%PDF"):
        return "this is a PDF, not CSV"
    return None


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding name) of a CSV file's bytes; BadInput when it is not text."""
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise BadInput("the file is empty", hint="Export the contacts again and check the file.")
    problem = _unreadable(data)
    if problem:
        raise BadInput(problem, hint="Save it as CSV (File > Save As > CSV UTF-8) or export "
                                     "vCards, and import that.")
    if encoding:
        try:
            return data.decode(encoding), encoding
        except LookupError:
            raise BadInput(f"{encoding!r} is not an encoding Python knows",
                           hint="Try utf-8, cp1252, latin-1 or utf-16.") from None
        except UnicodeDecodeError as exc:
            raise BadInput(f"the file is not valid {encoding} (byte {exc.start})",
                           hint="Leave --encoding out to have it detected.") from None
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"),
                      (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _strict(data, name), name
    sixteen = _utf16_without_bom(data)
    if sixteen:
        return _strict(data, sixteen), sixteen
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    name = _legacy_encoding(data)
    text = data.decode(name)
    controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\t\r\n")
    if controls > max(3, len(text[:20000]) // 100):
        raise BadInput("the file does not look like text (a CSV export of contacts)",
                       hint="Export the contacts as CSV or vCard and import that file.")
    return text, name


def _strict(data: bytes, name: str) -> str:
    try:
        return data.decode(name)
    except UnicodeDecodeError as exc:
        raise BadInput(f"the file says it is {name} but is damaged at byte {exc.start}",
                       hint="Export it again, or pass --encoding.") from None


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4000]
    if len(sample) < 4:
        return None
    even = sample[0::2].count(0) / (len(sample) / 2)
    odd = sample[1::2].count(0) / (len(sample) / 2)
    if odd > 0.3 and even < 0.05:
        return "utf-16-le"
    if even > 0.3 and odd < 0.05:
        return "utf-16-be"
    return None


def _legacy_encoding(data: bytes) -> str:
    """The most plausible single- or multi-byte code page: cp1252 when it reads the bytes as
    well as charset-normalizer's best guesses do (they often name an equivalent page)."""
    from charset_normalizer import from_bytes

    results = list(from_bytes(data))
    sample = data[:65536]
    try:
        data.decode("cp1252")
        western: str | None = sample.decode("cp1252", errors="ignore")
    except UnicodeDecodeError:
        western = None
    if not results:
        return "cp1252" if western is not None else "latin-1"
    best = min(r.chaos for r in results)
    close = [r for r in results if r.chaos <= best + 0.05]
    if western is not None and any(sample.decode(r.encoding, errors="ignore") == western
                                   for r in close):
        return "cp1252"
    names = [_NAMES.get(r.encoding, r.encoding) for r in close]
    for preferred in _PREFERRED:
        if preferred in names:
            return preferred
    return names[0]


def _sniff(text: str) -> str:
    lines = text[:65536].splitlines()[:50]
    sample = "\n".join(lines)
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    scores: dict[str, tuple[float, int, int]] = {}
    for delimiter in DELIMITERS:
        try:
            records = list(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter))
        except csv.Error:
            continue
        records = [r for r in records if any(c.strip() for c in r)]
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        body = records[1:-1] or records[1:]  # the last sampled line may be cut short
        same = sum(1 for r in body if len(r) == width) / len(body) if body else 1.0
        scores[delimiter] = (same, width, int(delimiter == sniffed))
    if not scores:
        return ","  # a single column (e.g. just addresses)
    return max(scores, key=lambda d: scores[d])


def read_table(data: bytes, encoding: str | None = None,
               delimiter: str | None = None) -> Table:
    """Decode and split a CSV file; BadInput with what to do when it cannot be read."""
    text, name = decode(data, encoding)
    text = text.removeprefix("\ufeff")
    first, _, rest = text.partition("\n")
    if first.strip().lower().startswith("sep=") and len(first.strip()) == 5:
        delimiter = delimiter or first.strip()[4]  # Excel's "sep=;" hint line
        text = rest
    chosen = delimiter or _sniff(text)
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=chosen, strict=False)
    header: list[str] | None = None
    number = 0
    try:
        for record in reader:
            number += 1
            if any(cell.strip() for cell in record):
                header = [cell.strip() for cell in record]
                break
    except csv.Error as exc:
        raise BadInput(f"the file cannot be read as CSV: {exc}",
                       hint="Check the file in a spreadsheet and save it as CSV again.") from None
    if header is None:
        raise BadInput("the file has no rows", hint="Export the contacts again.")
    if len(set(header)) < len(header):
        seen: set[str] = set()
        for index, cell in enumerate(header):  # 'Email', 'Email' -> 'Email', 'Email (2)'
            if cell and cell in seen:
                header[index] = f"{cell} ({index + 1})"
            seen.add(cell)
    return Table(encoding=name, delimiter=chosen, header=header,
                 rows=_rows(reader, number))


def _rows(reader: Iterator[list[str]], number: int) -> Iterator[tuple[int, list[str]]]:
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise BadInput(f"the file cannot be read as CSV after row {number}: {exc}",
                           hint="Check the file in a spreadsheet and save it as CSV again.") \
                from None
        number += 1
        if any(cell.strip() for cell in record):
            yield number, record


def escape_cell(value: str) -> str:
    """A cell a spreadsheet will show as text, never run as a formula (OWASP CSV injection)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def unescape_cell(value: str) -> str:
    """Undo :func:`escape_cell` on re-import, so an export round-trips exactly."""
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]], out: io.TextIOBase
              | io.StringIO) -> int:
    """Write escaped rows; returns how many were written."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([escape_cell(h) for h in header])
    count = 0
    for row in rows:
        writer.writerow([escape_cell("" if cell is None else str(cell)) for cell in row])
        count += 1
    return count
