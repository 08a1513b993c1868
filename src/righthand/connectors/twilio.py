"""Twilio-compatible voice webhooks: request signatures and TwiML.

Pure functions (stdlib only), so the phone channel of the conversation engine can reuse them.

Signature (X-Twilio-Signature): base64(HMAC-SHA1(auth_token, url + concat(sorted(key + value))))
over the full URL Twilio requested and every POST parameter, sorted by name.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from xml.sax.saxutils import escape, quoteattr


def signature(url: str, params: Mapping[str, str] | Iterable[tuple[str, str]],
              auth_token: str) -> str:
    """The X-Twilio-Signature a carrier holding ``auth_token`` sends for this request."""
    items = sorted(params.items() if isinstance(params, Mapping) else params)
    data = url + "".join(f"{key}{value}" for key, value in items)
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def verify_signature(url: str, params: Mapping[str, str] | Iterable[tuple[str, str]],
                     signature_header: str | None, auth_token: str) -> bool:
    """Whether ``signature_header`` is the one the holder of ``auth_token`` would send."""
    if not signature_header or not auth_token:
        return False
    expected = signature(url, params, auth_token)
    return hmac.compare_digest(expected.encode(), signature_header.strip().encode())


# -- TwiML ---------------------------------------------------------------------------------------
def _attrs(**attributes: str | int | None) -> str:
    return "".join(f" {name}={quoteattr(str(value))}"
                   for name, value in attributes.items() if value is not None)


def say(text: str) -> str:
    """<Say>: speak ``text``."""
    return f"<Say>{escape(text)}</Say>"


def dial(number: str, timeout: int = 20, action: str | None = None) -> str:
    """<Dial>: ring ``number`` through."""
    return f"<Dial{_attrs(timeout=timeout, action=action)}>{escape(number)}</Dial>"


def record(action: str, transcribe_callback: str | None = None, max_length: int = 120) -> str:
    """<Record>: take a voicemail; the carrier posts the recording (and its transcription)."""
    return (f"<Record{_attrs(action=action, maxLength=max_length, playBeep='true')}"
            f"{_attrs(transcribe='true' if transcribe_callback else None)}"
            f"{_attrs(transcribeCallback=transcribe_callback)}/>")


def gather_speech(prompt: str, action: str, timeout: int = 5) -> str:
    """<Gather input="speech">: ask and listen."""
    return (f"<Gather{_attrs(input='speech', action=action, timeout=timeout)}"
            f"{_attrs(speechTimeout='auto')}>{say(prompt)}</Gather>")


def reject(reason: str = "rejected") -> str:
    """<Reject>: refuse the call before it is answered."""
    return f"<Reject{_attrs(reason=reason)}/>"


def hangup() -> str:
    """<Hangup>."""
    return "<Hangup/>"


def response(*verbs: str) -> str:
    """A whole TwiML document."""
    return '<?xml version="1.0" encoding="UTF-8"?><Response>' + "".join(verbs) + "</Response>"


def redirect(url: str) -> str:
    """<Redirect>: continue with the TwiML at ``url``."""
    return f"<Redirect{_attrs(method='POST')}>{escape(url)}</Redirect>"
