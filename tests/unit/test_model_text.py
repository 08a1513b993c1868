"""The checker of a model's prose (reply drafts, the briefing's summary): new addresses,
links, phone numbers -- and, when asked, numbers and names -- absent from the known text."""

from __future__ import annotations

from righthand.domain.model_text import problems

KNOWN = ("Good morning, Pat. Here's Thursday 26 November. Deals: Nguyen purchase stalled 21 days "
         "at Offer. Waiting on Dev Patel. Send Emma Wilson the quote (3 items).")


def _check(text: str) -> list[str]:
    return problems(text, KNOWN, max_chars=300, numbers=True, names=True)


def test_restating_the_facts_passes() -> None:
    assert _check("The Nguyen purchase has stalled for 21 days at Offer. You are waiting on "
                  "Dev Patel, and Emma Wilson's quote covers three items. Nothing else.") == []


def test_invented_numbers_names_links_and_phones_are_named() -> None:
    assert _check("Call Sarah at 4 pm.") == ["new number 4", "new name Sarah"]
    assert _check("Later, Bob Chen calls.") == ["new name Bob", "new name Chen"]
    assert _check("Dev Patel sent five offers.") == ["new number five"]
    assert _check("Look at quotes.example/emma or ring +1 555 010 9999.") == [
        "new link quotes.example/emma", "new phone number +1 555 010 9999",
        "new number 010", "new number 1", "new number 555", "new number 9999"]
    assert _check("Pat, **no** <b>markup</b>.") == ["not plain text"]


def test_numbers_and_names_are_only_checked_when_asked() -> None:
    assert problems("Call Sarah at 4 pm.", KNOWN, max_chars=300) == []
    assert problems("x" * 301, KNOWN, max_chars=300) == ["longer than 300 characters"]
