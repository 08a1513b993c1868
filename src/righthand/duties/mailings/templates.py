"""Mailing templates: Jinja2 in a sandbox, strict about unknown names, with fallbacks.

* ``SandboxedEnvironment``: a template can reach merge fields, never Python's internals
  (``{{ ''.__class__ }}`` is refused).
* Unknown names (a typo such as ``{{ frist_name }}``) are errors, not blanks: StrictUndefined,
  turned into a :class:`TemplateProblem` that says which name and what to do.
* A known merge field that is blank for a recipient (a contact with no company) is *empty*: it
  is false in ``{% if company %}`` and yields to ``{{ company | default("your firm") }}``, but
  printing it bare is an error -- so "Hi ," never goes out; the dry run lists who lacks what.
* HTML is autoescaped (a contact called ``<b>Bob</b>`` shows as text); plain text and the
  subject are not. The subject is one line: line breaks in merged values become spaces.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, Undefined, UndefinedError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from righthand.domain.jsonish import canonical_json, sha256_hex
from righthand.errors import BadInput

_LINE_BREAKS = re.compile(r"[\r\n\t\v\f\u2028\u2029\x85]+")
_TAG = re.compile(r"\{%(.*?)([-+]?)%\}")
_ALONE = re.compile(r"^[ \t]*\{%(?:(?!%\}).)*%\}[ \t]*$")
_NAME_IN_MESSAGE = re.compile(r"'([^']+)' is undefined")


class TemplateProblem(BadInput):
    """A template that does not compile or does not render for some recipient."""

    hint = ("Fix the template (merge fields look like {{ first_name }}; a fallback like "
            "{{ first_name | default(\"there\") }}), then preview it with "
            "`righthand mailings preview NAME`.")


class Unknown(StrictUndefined):
    """A name that is not a merge field: any use but ``default`` or ``is defined`` fails."""

    __slots__ = ()


class Empty(Undefined):
    """A merge field that is blank for this recipient: false in ``if``, replaced by
    ``default``, an error when printed bare."""

    __slots__ = ()

    def __str__(self) -> str:
        return str(self._fail_with_undefined_error())


@lru_cache(maxsize=1024)
def empty(name: str) -> Empty:
    """The value of merge field ``name`` for a recipient who has none (one shared, immutable
    instance per name)."""
    return Empty(hint=f"the merge field {{{{ {name} }}}} is empty for this recipient; give it "
                      f"a fallback: {{{{ {name} | default(\"...\") }}}} or wrap it in "
                      f"{{% if {name} %}}...{{% endif %}}", name=name)


class Attributes(dict[str, Any]):
    """A contact's free-form attributes: a missing key is empty, not an error."""

    def __missing__(self, key: str) -> Empty:
        return empty(f"attributes.{key}")


@dataclass(frozen=True)
class Templates:
    """The content of a mailing: subject, plain text and optional HTML, all templates."""

    subject: str
    text: str
    html: str | None = None

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 of subject and templates: what an approval of the mailing is bound to."""
        return sha256_hex(canonical_json({"subject": self.subject, "text": self.text,
                                          "html": self.html or ""}))


@dataclass(frozen=True)
class Rendered:
    """One recipient's message, merged."""

    subject: str
    text: str
    html: str | None = None


def _environment(autoescape: bool) -> SandboxedEnvironment:
    env = SandboxedEnvironment(undefined=Unknown, autoescape=autoescape, trim_blocks=True,
                               lstrip_blocks=True, keep_trailing_newline=True)
    env.globals.clear()  # no range(), lipsum(), cycler(), ...: merge fields only
    return env


_TEXT = _environment(autoescape=False)
_HTML = _environment(autoescape=True)


class Renderer:
    """The compiled templates of one mailing: compile once, render per recipient."""

    def __init__(self, templates: Templates) -> None:
        self.templates = templates
        self._subject = _compile(_TEXT, templates.subject, "subject")
        self._text = _compile(_TEXT, templates.text, "plain-text template")
        self._html = _compile(_HTML, templates.html, "HTML template") if templates.html else None

    def render(self, context: Mapping[str, Any]) -> Rendered:
        """Merge ``context`` (see :mod:`merge`) into subject, text and HTML."""
        subject = _render(self._subject, context, "subject")
        subject = _LINE_BREAKS.sub(" ", subject).strip()
        if not subject:
            raise TemplateProblem("the subject is empty for this recipient",
                                  hint="Give the subject some fixed words, or a fallback.")
        text = _render(self._text, context, "plain-text template")
        html = _render(self._html, context, "HTML template") if self._html else None
        return Rendered(subject, text, html)


def _standalone_only(source: str) -> str:
    """A block tag alone on its line takes its line with it ({% if %} lines leave no blank
    line); a tag inside a line of text keeps the text's line break (``+%}``)."""
    lines = source.split("\n")
    for n, line in enumerate(lines):
        if "{%" in line and not _ALONE.match(line):
            lines[n] = _TAG.sub(lambda m: m.group(0) if m.group(2) else
                                "{%" + m.group(1) + "+%}", line)
    return "\n".join(lines)


def _compile(env: SandboxedEnvironment, source: str, what: str) -> Any:
    try:
        return env.from_string(_standalone_only(source))
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"the {what} has a syntax error on line {exc.lineno}: "
                              f"{exc.message}") from None


def _render(template: Any, context: Mapping[str, Any], what: str) -> str:
    try:
        return str(template.render(context))
    except SecurityError as exc:
        raise TemplateProblem(f"the {what} tries to reach inside Python ({exc}); templates may "
                              "only use merge fields",
                              hint="Remove that expression; use merge fields such as "
                                   "{{ first_name }}.") from None
    except UndefinedError as exc:
        raise TemplateProblem(f"the {what}: {_explain(str(exc))}") from None
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise TemplateProblem(f"the {what} fails for this recipient: {exc}") from None


def _explain(message: str) -> str:
    found = _NAME_IN_MESSAGE.search(message)
    if found and "merge field" not in message:
        from righthand.duties.mailings.merge import FIELDS

        name = found.group(1)
        return (f"{{{{ {name} }}}} is not a merge field (known: {', '.join(FIELDS)}, and "
                f"attributes.NAME); check the spelling, or give it a fallback: "
                f"{{{{ {name} | default(\"...\") }}}}")
    return message


def check(templates: Templates) -> None:
    """Raise :class:`TemplateProblem` when a template does not compile."""
    Renderer(templates)
