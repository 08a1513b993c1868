"""HTML mail bodies made safe to show: an allow-list sanitiser (nh3, i.e. Ammonia) that keeps
formatting and links, drops scripts, styles, event handlers and forms, and blocks remote images
unless the reader asks for them (they tell the sender that, when and where mail was read).

The inbox page shows a body with ``sanitize_mail_html(body).html`` marked safe, and offers
"show images" when ``blocked_images`` is non-zero. The page's Content-Security-Policy blocks
remote images a second time (``img-src 'self' data:``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import nh3

TAGS = frozenset(nh3.ALLOWED_TAGS) - {"area", "map"}
_ATTRIBUTES: dict[str, set[str]] = copy.deepcopy(nh3.ALLOWED_ATTRIBUTES)
_ATTRIBUTES.setdefault("*", set()).update({"title", "lang", "dir"})
_ATTRIBUTES["img"] = {"src", "alt", "width", "height"}
_ATTRIBUTES["a"] = {"href", "title"}
# "cid" only gets through the scheme check to be rewritten (or dropped) by the filter below.
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel", "cid"})


@dataclass(frozen=True)
class CleanHtml:
    """A sanitised body and how many remote images were held back."""

    html: str
    blocked_images: int


def _remote(url: str) -> bool:
    lowered = url.strip().lower()
    return lowered.startswith(("http:", "https:", "//"))


def sanitize_mail_html(html: str, *, allow_remote_images: bool = False,
                       cid_url: Callable[[str], str | None] | None = None) -> CleanHtml:
    """Sanitise an HTML mail body for display inside a page.

    ``cid_url`` maps an inline part's Content-ID to an absolute URL serving it (relative URLs
    are dropped, so a message cannot point at the console's own pages).
    """
    blocked = 0

    def keep(tag: str, attribute: str, value: str) -> str | None:
        """Rewrite inline images, hold back remote ones, keep the rest."""
        nonlocal blocked
        if tag == "img" and attribute == "src":
            if value.strip().lower().startswith("cid:"):
                return cid_url(value.strip()[4:].strip("<>")) if cid_url else None
            if _remote(value) and not allow_remote_images:
                blocked += 1
                return None
        return value

    cleaned = nh3.clean(html, tags=set(TAGS), attributes=_ATTRIBUTES, url_schemes=set(URL_SCHEMES),
                        attribute_filter=keep, link_rel="noopener noreferrer nofollow",
                        url_relative="deny", set_tag_attribute_values={"a": {"target": "_blank"}},
                        strip_comments=True)
    return CleanHtml(cleaned, blocked)
