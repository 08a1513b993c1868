"""The text message that tells the client's phone about an urgent mail.

Everything taken from the message (sender, subject, the first words of its new part) is
untrusted data: it is quoted, never phrased as something to do; control and direction-changing
characters are dropped, whitespace is folded, and links are replaced by ``[link]`` so that a
forwarded text never carries a tappable address the sender chose. At most 320 characters (two
or three SMS segments)."""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 320
EXCERPT = 120
_LINK = re.compile(r"(?:\b(?:https?|ftp)://|\bwww\.)\S+", re.I)
_BARE_HOST = re.compile(r"\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|io|co|info|biz|xyz|link|"
                        r"click|top|ru|cn|me|app|ly)(?:/\S*)?\b", re.I)


def clean(text: str, links: bool = False) -> str:
    """Untrusted text made safe to show: printable characters only, one line; unless
    ``links``, web addresses become ``[link]`` and bare host names lose their dots' power
    (``pay.example.com/x`` -> ``pay[.]example[.]com/x``), so a phone shows nothing to tap."""
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    if not links:
        text = _LINK.sub("[link]", text)
        text = _BARE_HOST.sub(lambda m: m.group(0).replace(".", "[.]"), text)
    return re.sub(r"\s+", " ", text).strip()


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)].rstrip() + "…"


def body(assistant: str, sender_name: str, sender_address: str, subject: str,
         new_text: str, priority: str = "high") -> str:
    """The SMS: who it is from, the subject and the start of what they wrote (quoted)."""
    who = clean(sender_name).replace("<", "").replace(">", "")
    address = clean(sender_address, links=True)
    sender = f"{_cut(who, 40)} <{_cut(address, 80)}>" if who else _cut(address, 80)
    head = f"{clean(assistant)[:30]}: {'urgent mail' if priority == 'high' else 'mail'} from " \
           f"{sender}"
    subject_line = f"Subject: {_cut(clean(subject) or '(none)', 90)}"
    tail = "Full message in your inbox."
    excerpt = clean(new_text)
    room = MAX_CHARS - len(head) - len(subject_line) - len(tail) - 6  # newlines and quotes
    said = f'"{_cut(excerpt, max(0, min(EXCERPT, room)))}"' if excerpt and room > 10 else ""
    text = "\n".join(part for part in (head, subject_line, said, tail) if part)
    return text[:MAX_CHARS]
