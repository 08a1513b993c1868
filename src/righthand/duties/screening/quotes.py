"""Separating the new part of a reply from what it quotes or forwards.

Recognised: ``On <date>, <name> wrote:`` (also split over two lines, and the French, German,
Spanish and Dutch forms), Outlook's ``-----Original Message-----`` and its ``From:/Sent:``
header block, ``---------- Forwarded message ---------`` and ``Begin forwarded message:``,
and runs of ``>`` lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WROTE = re.compile(
    r"^\s*(On|Le|Am|El|Op)\s.{4,200}\s(wrote|a écrit|schrieb|escribió|schreef)\s*:\s*$", re.I)
_ORIGINAL = re.compile(r"^\s*-{2,}\s*(Original Message|Ursprüngliche Nachricht|"
                       r"Message d'origine)\s*-{2,}\s*$", re.I)
_FORWARD = re.compile(r"^\s*(-{2,}\s*Forwarded message\s*-{2,}|Begin forwarded message:|"
                      r"-{2,}\s*Weitergeleitete Nachricht\s*-{2,})\s*$", re.I)
_OUTLOOK_FROM = re.compile(r"^\s*\*?From:\*?\s+\S", re.I)
_OUTLOOK_NEXT = re.compile(r"^\s*\*?(Sent|Date|To|Subject):\*?\s", re.I)
_UNDERSCORES = re.compile(r"^\s*_{20,}\s*$")


@dataclass(frozen=True)
class Split:
    """A body cut into the new text and the rest."""

    new: str
    quoted: str = ""
    forwarded: bool = False


def split_reply(text: str) -> Split:
    """The new part of ``text`` and what it quotes (or forwards)."""
    lines = text.replace("\r\n", "\n").split("\n")
    cut = _first_marker(lines)
    if cut is None:
        kept = [ln for ln in lines if not ln.lstrip().startswith(">")]
        quoted = [ln for ln in lines if ln.lstrip().startswith(">")]
        return Split(_tidy(kept), _tidy(quoted))
    index, forwarded = cut
    head = [ln for ln in lines[:index] if not ln.lstrip().startswith(">")]
    return Split(_tidy(head), _tidy(lines[index:]), forwarded)


def _first_marker(lines: list[str]) -> tuple[int, bool] | None:
    for i, line in enumerate(lines):
        if _FORWARD.match(line):
            return i, True
        if _ORIGINAL.match(line) or _WROTE.match(line):
            return i, False
        if i + 1 < len(lines) and _WROTE.match(f"{line} {lines[i + 1]}") \
                and line.strip().lower().startswith(("on ", "le ", "am ", "el ", "op ")):
            return i, False
        if _OUTLOOK_FROM.match(line) and _outlook_block(lines, i):
            start = i - 1 if i and _UNDERSCORES.match(lines[i - 1]) else i
            return start, False
    return None


def _outlook_block(lines: list[str], start: int) -> bool:
    following = [ln for ln in lines[start + 1:start + 5] if ln.strip()]
    return sum(1 for ln in following if _OUTLOOK_NEXT.match(ln)) >= 2


def _tidy(lines: list[str]) -> str:
    return "\n".join(lines).strip()
