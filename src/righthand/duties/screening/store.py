"""Screening's storage: messages stored once, screened once; the context screening reads.

Exactly once: a message row is keyed by workspace and Message-ID (or a hash of its bytes when
it has none), and by folder + UIDVALIDITY + UID. ``screen_one`` claims a row with a
conditional UPDATE (``state: new -> screened``) in the same transaction that records the
verdict and proposes its actions; a run killed mid-way rolls that transaction back, and the
next run screens the message as if for the first time. A committed screening is never redone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from righthand.domain.actions import Action
from righthand.duties.plugin import TextModel
from righthand.duties.screening import parse as parsing
from righthand.duties.screening.actions import (
    INBOX_CATEGORIES,
    MessageRef,
    Office,
    drafts_reply,
    plan,
)
from righthand.duties.screening.learning import correct, load_model
from righthand.duties.screening.rules import Rule
from righthand.duties.screening.screen import Context, KnownSender, screen
from righthand.store.tables import (
    ContactEmail,
    ContactRow,
    ContactTag,
    DealContactRow,
    DealRow,
    MailAccount,
    MailMessage,
    PhoneLine,
    ScreeningRule,
    Workspace,
)

MAX_RAW_KEPT = 2 * 1024 * 1024  # bytes of a quarantined message kept for inspection


def load_context(session: Session) -> Context:
    """Contacts (with tags and open deals), active rules and the learned model."""
    tags: dict[int, list[str]] = {}
    for contact_id, tag in session.execute(select(ContactTag.contact_id, ContactTag.tag)):
        tags.setdefault(contact_id, []).append(tag)
    deals: dict[int, list[str]] = {}
    parties = session.execute(select(DealContactRow.contact_id, DealContactRow.role,
                                     DealRow.title)
                              .join(DealRow, DealRow.id == DealContactRow.deal_id)
                              .where(DealRow.status == "open"))
    for contact_id, role, title in parties:
        deals.setdefault(contact_id, []).append(f"{title} (as {role})" if role else title)
    contacts: dict[str, KnownSender] = {}
    rows = session.execute(select(ContactEmail.address, ContactRow).join(
        ContactRow, ContactRow.id == ContactEmail.contact_id))
    for address, contact in rows:
        contacts[address.strip().lower()] = KnownSender(
            contact.id, contact.display_name, contact.company or "",
            tuple(tags.get(contact.id, ())), tuple(deals.get(contact.id, ())))
    rules = [Rule(r.match, r.effect, r.text, r.id) for r in session.scalars(
        select(ScreeningRule).where(ScreeningRule.active.is_(True)).order_by(ScreeningRule.id))]
    account = session.scalars(select(MailAccount)).first()
    own = frozenset(a for a in [account.address if account else None] if a)
    return Context(contacts=contacts, rules=rules, model=load_model(session), own_addresses=own)


def office(session: Session, workspace_id: int) -> Office:
    """The workspace as the actions see it (client's address, folder names, signature)."""
    ws = session.get(Workspace, workspace_id)
    account = session.scalars(select(MailAccount)).first()
    profile: dict[str, Any] = (ws.profile or {}) if ws else {}
    address = (account.address if account else None) or profile.get("email")
    targets = dict((account.folders or {}).get("targets") or {}) if account else {}
    return Office(client_name=ws.client_name if ws else "the client",
                  assistant_name=ws.assistant_name if ws else "Jane",
                  client_address=address, client_phone=client_phone(session, profile),
                  targets=targets)


def client_phone(session: Session, profile: dict[str, Any]) -> str | None:
    """The client's own mobile number, E.164: the phone line's "ring your own phone" number,
    else the profile's ``mobile``, else the profile's ``phone`` when it can be a mobile. Never
    a number from a message."""
    import phonenumbers

    line = session.scalars(select(PhoneLine)).first()
    region = str(profile.get("region") or "US")
    for raw, any_kind in ((line.ring_to if line else None, True),
                          (profile.get("mobile"), True), (profile.get("phone"), False)):
        if not raw:
            continue
        try:
            number = phonenumbers.parse(str(raw), region)
        except phonenumbers.NumberParseException:
            continue
        kinds = {phonenumbers.PhoneNumberType.MOBILE,
                 phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
        if phonenumbers.is_valid_number(number) and (
                any_kind or phonenumbers.number_type(number) in kinds):
            found = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if line is None or found != line.number:  # never text the line itself
                return found
    return None


def ref_of(row: MailMessage) -> MessageRef:
    """Where the stored message is."""
    return MessageRef(row.message_key, row.message_id, row.folder, row.uidvalidity, row.uid)


def record_fetched(session: Session, workspace_id: int, folder: str, uidvalidity: int,
                   uid: int, raw: bytes, now: datetime,
                   inbox_folders: frozenset[str] = frozenset({"INBOX"})) -> str:
    """Store one fetched message once: 'new', 'known' (seen before, maybe elsewhere),
    'moved_back' (the client took it back out of a folder we filed it in) or 'quarantined'."""
    try:
        facts: parsing.MailFacts | None = parsing.parse(raw)
        reason = None
    except parsing.Malformed as exc:
        facts, reason = None, str(exc)
    key = parsing.message_key(facts.message_id if facts else None, raw)
    row = session.scalars(select(MailMessage).where(MailMessage.message_key == key)).first()
    if row is not None:
        return _seen_again(session, row, folder, uidvalidity, uid, now, inbox_folders)
    row = MailMessage(workspace_id=workspace_id, message_key=key, folder=folder,
                      uidvalidity=uidvalidity, uid=uid, fetched_at=now, size=len(raw))
    if facts is None:
        row.state, row.quarantine_reason, row.raw = "quarantined", reason, raw[:MAX_RAW_KEPT]
        row.facts = {}
    else:
        row.state = "new"
        row.message_id = facts.message_id
        row.from_address, row.from_name = facts.from_address[:320], facts.from_name[:400]
        row.subject, row.sent_at, row.facts = facts.subject, facts.sent_at, facts.to_json()
    session.add(row)
    session.flush()
    return row.state


def _seen_again(session: Session, row: MailMessage, folder: str, uidvalidity: int, uid: int,
                now: datetime, inbox_folders: frozenset[str]) -> str:
    if (row.folder, row.uidvalidity, row.uid) == (folder, uidvalidity, uid):
        return "known"
    filed_away = row.filed_to is not None and row.filed_to != folder
    row.folder, row.uidvalidity, row.uid = folder, uidvalidity, uid
    if filed_away and folder in inbox_folders and row.state == "screened" \
            and (row.category or "") not in INBOX_CATEGORIES:
        # The client moved it back where we took it from: we were wrong about it.
        correct(session, row, "fyi", "moved_back", now)
        row.filed_to = None
        return "moved_back"
    return "known"


def pending_ids(session: Session, limit: int = 500) -> list[int]:
    """Stored messages not yet screened, oldest first."""
    return list(session.scalars(select(MailMessage.id).where(MailMessage.state == "new")
                                .order_by(MailMessage.id).limit(limit)))


def reply_wanted(session: Session, message_row_id: int, ctx: Context,
                 office_: Office) -> parsing.MailFacts | None:
    """Only reading: the facts of a stored, not yet screened message that screening will
    answer with a reply draft (else None), so a caller can ask the model for its body before
    opening the transaction of :func:`screen_one` (no write lock held while the model
    answers). The verdict is worked out again there, from the same facts and context."""
    row = session.get(MailMessage, message_row_id)
    if row is None or row.state != "new":
        return None
    facts = parsing.MailFacts.from_json(row.facts)
    return facts if drafts_reply(screen(facts, ctx), facts, office_) else None


def screen_one(session: Session, message_row_id: int, ctx: Context, office_: Office,
               now: datetime, model: TextModel | None = None, reply_body: str | None = None
               ) -> tuple[MailMessage, list[Action]] | None:
    """Claim and screen one stored message; None when another run already did. A reply
    draft's body is ``reply_body`` (asked for beforehand, checked again) or ``model``'s."""
    won = session.execute(update(MailMessage).where(
        MailMessage.id == message_row_id, MailMessage.state == "new")
        .values(state="screened", screened_at=now).execution_options(synchronize_session=False))
    if won.rowcount != 1:  # type: ignore[attr-defined]
        return None
    row = session.get(MailMessage, message_row_id)
    if row is None:
        return None
    session.refresh(row)
    facts = parsing.MailFacts.from_json(row.facts)
    verdict = screen(facts, ctx)
    row.category, row.priority, row.reasons = verdict.category, verdict.priority, \
        verdict.to_json()
    return row, plan(verdict, facts, ref_of(row), office_, model, reply_body)
