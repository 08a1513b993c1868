"""The demo workspace's phone: a line, one rule, and a morning of screened calls and
voicemails, so "Who called while I was out?" has an answer from the first minute."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from righthand.duties.screening import call_book, calls
from righthand.store.tables import CallRow

# minutes ago, number, caller name, decision, status, purpose, transcription
_CALLS = [
    (25, "+16175550111", "", "ring", "missed", "",
     "Hi Pat, it's Alice. We'd like to put in an offer on Maple Street today — can you call "
     "me back as soon as possible?"),
    (70, "+16175550142", "", "ring", "answered", "", None),
    (95, "+18572020417", "Sam Rivera", "ask", "voicemail",
     "Sam Rivera, I'm interested in the listing on Elm Street",
     "Hello, this is Sam Rivera. I saw the Elm Street listing and would like to book a "
     "showing this weekend. My number is 857 202 0417. Thanks."),
    (130, "+18885550123", "", "ask", "voicemail", "calling about your car's extended warranty",
     "This is your final notice about your vehicle's extended warranty. Press 1 now."),
    (180, "anonymous", "", "voicemail", "voicemail", "", None),
]


def seed(session: Session, wid: int, now: datetime) -> int:
    """Add the line, a rule and the calls; returns how many calls."""
    call_book.set_line(session, wid, "+16175550100", now, ring_to="+16175550101")
    call_book.add_rule(session, wid, "after 6 pm everyone but vip goes to voicemail", now)
    for index, (ago, number, name, decision, status, purpose, said) in enumerate(_CALLS):
        caller = calls.identify(session, number)
        row = CallRow(workspace_id=wid, call_sid=f"CAdemo{index:02d}", from_number=caller.number,
                      contact_id=caller.contact_id, caller_name=caller.name or name,
                      purpose=purpose, decision=decision, status=status,
                      reason=f"{caller.name} is in your contacts" if caller.contact_id else
                      "unknown number", started_at=now - timedelta(minutes=ago),
                      recording_url=(f"https://api.twilio.com/2010-04-01/Accounts/AC0/"
                                     f"Recordings/REdemo{index:02d}") if said or status ==
                      "voicemail" else None,
                      recording_seconds=18 if said else (4 if status == "voicemail" else None),
                      transcription=said)
        row.category, _ = calls.categorise(row, caller.tags)
        session.add(row)
    session.flush()
    return len(_CALLS)
