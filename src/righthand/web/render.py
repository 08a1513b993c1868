"""Server-rendered pages: one Jinja2 environment (autoescaping everything), the layout's
navigation, and filters that show times in the workspace's zone.

Duty pages add themselves to the navigation with :func:`register_nav` and render with
:func:`page`; everything they print is escaped unless a template says ``|safe`` (only sanitised
mail HTML should).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from righthand.web.auth import Context

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")


@dataclass(frozen=True)
class NavItem:
    """One entry of the console's navigation."""

    key: str
    label: str
    path: str  # relative to the workspace, e.g. "contacts"
    order: int = 100


NAV: list[NavItem] = [
    NavItem("today", "Today", "today", 10),
    NavItem("ask", "Ask", "ask", 20),
    NavItem("approvals", "Approvals", "approvals", 30),
    NavItem("job", "Job description", "job", 80),
    NavItem("trust", "Trust", "trust", 90),
    NavItem("settings", "Settings", "settings", 95),
]


def register_nav(item: NavItem) -> None:
    """Add a page to the navigation (idempotent by key)."""
    if all(existing.key != item.key for existing in NAV):
        NAV.append(item)
        NAV.sort(key=lambda i: i.order)


def local(moment: datetime | None, zone: str, fmt: str = "%a %d %b, %H:%M") -> str:
    """``moment`` in ``zone``."""
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(zone)).strftime(fmt)


def clock(moment: datetime, zone: str) -> str:
    """9:30 am, in ``zone``."""
    text = moment.astimezone(ZoneInfo(zone)).strftime("%I:%M %p").lstrip("0")
    return text.replace("AM", "am").replace("PM", "pm")


def percent(value: float | None) -> str:
    """0.95 -> 95%; None -> an en dash."""
    return "\u2013" if value is None else f"{value:.0%}"


def money(amount: Decimal | float | int | None, currency: str = "USD") -> str:
    """1234.5 -> 1,234.50 USD."""
    if amount is None:
        return "\u2013"
    return f"{Decimal(str(amount)):,.2f} {currency}"


@cache
def static_version(name: str) -> str:
    """A short content hash for cache-busting ``/static/<name>``."""
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:10]


def static_url(name: str) -> str:
    """The versioned URL of a static file."""
    return f"/static/{name}?v={static_version(name)}"


@cache
def environment() -> Environment:
    """The template environment (autoescape on for every template)."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      auto_reload=False)  # templates ship with the package; no stat per page
    env.filters.update(local=local, clock=clock, percent=percent, money=money,
                       fromiso=datetime.fromisoformat)
    env.globals.update(static=static_url)
    return env


def is_htmx(request: Request) -> bool:
    """True for requests htmx made (they get fragments, not whole pages)."""
    return request.headers.get("hx-request") == "true"


def render(request: Request, template: str, *, ctx: Context | None = None, status: int = 200,
           active: str = "", title: str = "", **data: Any) -> HTMLResponse:
    """A page (or fragment) rendered from ``template`` with the layout's variables."""
    csrf = ctx.principal.csrf_token if ctx is not None else data.pop("csrf", "")
    html = environment().get_template(template).render(
        request=request, ctx=ctx, nav=NAV, csrf=csrf or "", active=active,
        title=title, htmx=is_htmx(request), **data)
    response = HTMLResponse(html, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Righthand-Page"] = "1"  # the middleware gives it the strict CSP
    return response
