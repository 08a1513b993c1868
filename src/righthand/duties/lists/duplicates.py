"""Likely duplicate contacts: the same email address or phone number, or names that are
nearly the same (rapidfuzz), compared within blocks so that 100,000 contacts stay quick."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from righthand.store.tables import ContactEmail, ContactPhone, ContactRow

NAME_THRESHOLD = 90
_BLOCK_LIMIT = 4000


@dataclass
class DuplicatePair:
    """Two contacts that are probably one person, with why and how sure (0-100)."""

    first: int
    second: int
    first_name: str
    second_name: str
    score: float
    reasons: list[str] = field(default_factory=list)


def simplify(name: str) -> str:
    """Lower case, no accents, no punctuation: 'Zoë  O'Brien-Smith' -> 'zoe obrien smith'."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = re.sub(r"['\u2019.]", "", plain)
    return re.sub(r"[^\w]+", " ", plain).strip()


def find_duplicates(session: Session, threshold: int = NAME_THRESHOLD,
                    limit: int | None = 500) -> list[DuplicatePair]:
    """Pairs of likely duplicates, most certain first."""
    people = {cid: (name, company) for cid, name, company in session.execute(
        select(ContactRow.id, ContactRow.display_name, ContactRow.company))}
    pairs: dict[tuple[int, int], DuplicatePair] = {}

    def note(a: int, b: int, score: float, reason: str) -> None:
        first, second = min(a, b), max(a, b)
        if first == second or first not in people or second not in people:
            return
        pair = pairs.get((first, second))
        if pair is None:
            pair = pairs[(first, second)] = DuplicatePair(
                first, second, people[first][0], people[second][0], 0)
        pair.score = max(pair.score, score)
        if reason not in pair.reasons:
            pair.reasons.append(reason)

    for _, owners in _shared(session, "email").items():
        for other in owners[1:]:
            note(owners[0], other, 100, "same email address")
    for number, owners in _shared(session, "phone").items():
        for other in owners[1:]:
            note(owners[0], other, 95, f"same phone number {number}")
    for a, b, score in _similar_names(people, threshold):
        same_company = people[a][1] and people[a][1] == people[b][1]
        note(a, b, min(99.0, score + (3 if same_company else 0)),
             "same name" if score >= 100 else f"similar names ({score:.0f}%)")
    found = sorted(pairs.values(), key=lambda p: (-p.score, p.first, p.second))
    return found[:limit] if limit else found


def _shared(session: Session, kind: str) -> dict[str, list[int]]:
    if kind == "email":
        rows = session.execute(select(func.lower(ContactEmail.address), ContactEmail.contact_id)
                               .order_by(ContactEmail.contact_id))
    else:
        rows = session.execute(select(ContactPhone.e164, ContactPhone.contact_id)
                               .where(ContactPhone.e164.is_not(None))
                               .order_by(ContactPhone.contact_id))
    owners: dict[str, list[int]] = {}
    for value, contact in rows:
        bucket = owners.setdefault(value, [])
        if contact not in bucket:
            bucket.append(contact)
    return {k: v for k, v in owners.items() if len(v) > 1}


def _similar_names(people: dict[int, tuple[str, str | None]],
                   threshold: int) -> list[tuple[int, int, float]]:
    from rapidfuzz import fuzz, process

    simple = {cid: simplify(name) for cid, (name, _) in people.items()}
    blocks: dict[str, list[int]] = {}
    for cid, name in simple.items():
        words = name.split()
        if not words or "@" in people[cid][0]:
            continue
        for key in {words[-1][:2], min(words)[:2]}:
            blocks.setdefault(key, []).append(cid)
    found: dict[tuple[int, int], float] = {}
    for members in blocks.values():
        if len(members) > _BLOCK_LIMIT:  # a very common start: split it finer
            finer: dict[str, list[int]] = {}
            for cid in members:
                finer.setdefault(simple[cid].split()[-1][:4], []).append(cid)
            groups = list(finer.values())
        else:
            groups = [members]
        for group in groups:
            if len(group) < 2:
                continue
            names = [simple[c] for c in group]
            for i, name in enumerate(names[:-1]):
                rest = names[i + 1:]
                for _, score, j in process.extract(name, rest, scorer=fuzz.token_sort_ratio,
                                                   score_cutoff=threshold, limit=None):
                    a, b = group[i], group[i + 1 + j]
                    pair = (min(a, b), max(a, b))
                    found[pair] = max(found.get(pair, 0.0), float(score))
    return [(a, b, s) for (a, b), s in found.items()]
