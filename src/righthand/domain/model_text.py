"""Checks on text a language model wrote, before anything uses it.

One checker for every caller that takes a model's prose (screening's reply drafts, the
briefing's summary): the text must be plain (no markup), bounded in length, and name no email
address, link or phone number that is not already in the ``known`` text (what the model was
given, and what the client's own profile says). Callers that restate facts can also ask that
every number -- digits, or a number word from two to twelve -- and every capitalised name be
found in ``known``. Any problem means the caller keeps its offline text.
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
URL = re.compile(r"(?:https?://|www\.)[^\s<>\"')]+|\b[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\."
                 r"(?:com|net|org|io|example|info|biz|co|app|dev|xyz|ly)\b(?:/[^\s<>\"')]*)?",
                 re.I)
PHONE = re.compile(r"\+?\d[\d\s().-]{6,}\d")
MARKUP = re.compile(r"<\s*/?\s*[A-Za-z][^>]*>|```|\[[^\]]*\]\([^)]*\)")
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_NUMBER_WORDS = {"two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
                 "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12"}
_CAPITAL = re.compile(r"(?<![\w'\u2019-])[A-Z][A-Za-z]*(?:['\u2019-][A-Za-z]+)*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*)$")
#: Words (and imperatives) that often open a sentence without naming anyone -- allowed
#: only there.
_OPENERS = frozenset({
    "a", "after", "all", "also", "an", "and", "any", "as", "ask", "at", "before", "book", "both",
    "but", "by", "call", "check", "confirm", "during", "each", "either", "email", "every",
    "expect", "first", "follow", "for", "from", "he", "her", "here", "his", "however", "if", "in",
    "it", "its", "keep", "later", "look", "meet", "most", "my", "neither", "next", "no", "none",
    "note", "nothing", "now", "of", "on", "one", "only", "or", "order", "otherwise", "plan",
    "please", "prepare", "remember", "reply", "review", "send", "she", "sign", "since", "so",
    "some", "start", "still", "talk", "that", "the", "their", "then", "there", "these", "they",
    "this", "those", "to", "today", "tomorrow", "two", "we", "when", "while", "with", "yesterday",
    "you", "your"})


def digits(text: str) -> str:
    """The digits of ``text``, in order."""
    return re.sub(r"\D", "", text)


def _numbers(text: str) -> set[str]:
    found = {n.replace(",", "") for n in _NUMBER.findall(text)}
    return found | {n.rstrip(".") for n in found}


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[^\W\d_]+", text)}


def problems(text: str, known: str, *, max_chars: int, numbers: bool = False,
             names: bool = False) -> list[str]:
    """Why a model's ``text`` cannot be used (empty when it can), ``known`` being everything it
    may repeat."""
    found: list[str] = []
    if not text.strip():
        found.append("empty")
    if len(text) > max_chars:
        return [f"longer than {max_chars} characters"]  # nothing more to read in it
    if MARKUP.search(text):
        found.append("not plain text")
    known_lower = known.lower()
    addresses = {a.lower() for a in EMAIL.findall(text)}
    for address in sorted(addresses - {a.lower() for a in EMAIL.findall(known_lower)}):
        found.append(f"new address {address}")
    bare = EMAIL.sub(" ", text)
    for link in URL.findall(bare):
        host = re.sub(r"^(?:https?://)?(?:www\.)?", "", link.lower()).split("/")[0]
        if host not in known_lower:
            found.append(f"new link {link}")
    known_digits = digits(known)
    for phone in PHONE.findall(text):
        number = digits(phone)
        if len(number) >= 7 and number not in known_digits:
            found.append(f"new phone number {phone.strip()}")
    if numbers:
        found += _new_numbers(bare, known)
    if names:
        found += _new_names(bare, known)
    return found


def _new_numbers(text: str, known: str) -> list[str]:
    known_numbers = _numbers(known)
    known_words = _words(known)
    found = [f"new number {n}" for n in sorted(_numbers(text) - known_numbers)
             if n.rstrip(".") not in known_numbers]
    for word in sorted(_words(text) & _NUMBER_WORDS.keys()):
        if word not in known_words and _NUMBER_WORDS[word] not in known_numbers:
            found.append(f"new number {word}")
    return found


def _new_names(text: str, known: str) -> list[str]:
    known_words = _words(known)
    found: list[str] = []
    for match in _CAPITAL.finditer(text):
        parts = [p.lower() for p in re.split(r"['\u2019-]", match.group()) if p]
        if parts and parts[-1] == "s" and len(parts) > 1:  # a possessive: Pat's
            parts = parts[:-1]
        if all(p in known_words for p in parts):
            continue
        opening = _SENTENCE_START.search(text[:match.start()]) is not None
        if opening and len(parts) == 1 and parts[0] in _OPENERS:
            continue
        if match.group() == "I":
            continue
        found.append(f"new name {match.group()}")
    return sorted(set(found))
