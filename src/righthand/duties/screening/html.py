"""HTML bodies to plain text, keeping apart what a reader would not see.

Text hidden with CSS (``display:none``, ``font-size:0`` ...) or the ``hidden`` attribute is a
classic way to smuggle instructions to an assistant past the human reader. It is kept out of
the visible text and returned on its own, so screening can treat it as a warning sign.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Comment, Tag

_DROP = ("script", "style", "head", "title", "noscript", "template", "svg", "object", "iframe")
_BLOCK = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table",
          "blockquote", "section", "article", "header", "footer", "ul", "ol", "hr", "pre"}
_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d]*[1-9])"
    r"|opacity\s*:\s*0(?![.\d]*[1-9])|max-height\s*:\s*0(?![.\d]*[1-9])|"
    r"(?<![-\w])height\s*:\s*0(?:px)?\s*(?:;|$)", re.I)
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANKS = re.compile(r"\n\s*\n\s*\n+")


@dataclass
class HtmlText:
    """What an HTML body says: visible text, hidden text, and its links."""

    text: str
    hidden: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)  # (href, link text)


def _is_hidden(tag: Tag) -> bool:
    if tag.has_attr("hidden"):
        return True
    style = tag.get("style")
    return isinstance(style, str) and bool(_HIDDEN_STYLE.search(style))


def to_text(html: str) -> HtmlText:
    """Visible text of ``html`` (paragraphs kept as lines), hidden text, and links."""
    soup = BeautifulSoup(html, "html.parser")
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for name in _DROP:
        for tag in soup.find_all(name):
            tag.decompose()
    hidden_parts: list[str] = []
    for tag in soup.find_all(_is_hidden):
        if tag.parent is None:  # already removed with a hidden ancestor
            continue
        hidden_parts.append(tag.get_text(" ", strip=True))
        tag.decompose()
    links: list[tuple[str, str]] = []
    for anchor in soup.find_all("a"):
        href = anchor.get("href")
        if isinstance(href, str) and href.strip():
            links.append((href.strip(), anchor.get_text(" ", strip=True)))
    for tag in soup.find_all(_BLOCK):
        tag.insert_before("\n")
        tag.insert_after("\n")
    text = soup.get_text()
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    visible = _BLANKS.sub("\n\n", "\n".join(lines)).strip()
    return HtmlText(visible, " ".join(p for p in hidden_parts if p), links)


def link_domain(href: str) -> str:
    """The host a link points at ('' for mailto:, relative links and junk)."""
    try:
        host = urlsplit(href).hostname or ""
    except ValueError:
        return ""
    return host.lower().removeprefix("www.")
