"""Every form field on every page has a label (a <label for>, a wrapping <label>, or an
aria-label / aria-labelledby). The pages are found by enumerating ``app.routes``, so a new
page is checked the day it is added; pages with row ids get this workspace's own rows."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from righthand.policy.duties import Phase
from righthand.service import demo_mail
from tests.integration.test_web_isolation import ID_SOURCES, PUBLIC, _app_routes, _fill, _row_id
from tests.support.web import client, csrf, login, seed_demo

FIELDS = {"input", "select", "textarea"}
UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class _Fields(HTMLParser):
    """Collects form fields and the labels that name them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: list[dict[str, str]] = []
        self.label_for: set[str] = set()
        self.ids: set[str] = set()
        self.open_labels = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if "id" in found:
            self.ids.add(found["id"])
        if tag == "label":
            self.open_labels += 1
            if found.get("for"):
                self.label_for.add(found["for"])
        elif tag in FIELDS and found.get("type", "text").lower() not in UNLABELLED_TYPES:
            self.fields.append({**found, "_tag": tag,
                                "_wrapped": "1" if self.open_labels else ""})

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self.open_labels:
            self.open_labels -= 1

    def unlabelled(self) -> list[str]:
        """Fields no label names."""
        missing = []
        for f in self.fields:
            named = f["_wrapped"] or f.get("aria-label", "").strip() or \
                (f.get("id") and f["id"] in self.label_for) or \
                any(part in self.ids for part in f.get("aria-labelledby", "").split())
            if not named:
                missing.append(f"<{f['_tag']} name={f.get('name')!r} id={f.get('id')!r}>")
        return missing


def test_every_form_field_on_every_page_has_a_label(single_app, monkeypatch):
    office = seed_demo(single_app, monkeypatch, Phase.III)
    demo_mail.seed(single_app, office.workspace_id, office.slug, single_app.clock())
    web = client(single_app)
    login(web, office.owner)
    token = csrf(web, office.slug)
    web.post(f"/w/{office.slug}/contacts/import", data={"csrf_token": token},
             files={"file": ("p.csv", b"Name,Email\nAl,al@example.com\n")})
    checked, problems = [], []
    for route in _app_routes(web):
        params = re.findall(r"\{(\w+)", route.path)
        if "GET" not in route.methods or route.path.startswith(("/api/", "/static")) \
                or PUBLIC.match(route.path) or "workspace" not in params \
                or not set(params) <= {"workspace", *ID_SOURCES} or "token_id" in params:
            continue
        values = {p: _row_id(single_app, office.workspace_id, ID_SOURCES[p])
                  for p in params if p != "workspace"}
        if None in values.values():
            continue
        url = _fill(route.path, {**{k: str(v) for k, v in values.items()},
                                 "workspace": office.slug})
        answer = web.get(url)
        if answer.status_code != 200 or \
                not answer.headers.get("content-type", "").startswith("text/html"):
            continue
        parser = _Fields()
        parser.feed(answer.text)
        checked.append(url)
        problems.extend(f"{url}: {m}" for m in parser.unlabelled())
    # the sign-in page too
    login_page = _Fields()
    login_page.feed(client(single_app).get("/login").text)
    problems.extend(f"/login: {m}" for m in login_page.unlabelled())
    assert problems == [], "fields without a label:\n" + "\n".join(problems)
    assert len(checked) >= 20, checked
    assert any(u.endswith("/calendar") for u in checked)
    assert any(u.endswith("/settings/connections") for u in checked)


def test_the_checker_finds_a_field_without_a_label() -> None:
    parser = _Fields()
    parser.feed('<form><label for="a">A</label><input id="a" name="a">'
                '<label>B <input name="b"></label><input name="c" aria-label="C">'
                '<input name="d"><input type="hidden" name="e"><select name="f"></select>'
                "</form>")
    assert parser.unlabelled() == ["<input name='d' id=None>", "<select name='f' id=None>"]
