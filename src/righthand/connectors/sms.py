"""Text messages through a Twilio-compatible REST Messages API.

``POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`` with form fields ``To``,
``From`` and ``Body``, HTTP basic auth ``AccountSid:AuthToken``. The base URL is the
administrator's (``RIGHTHAND_SMS_API_URL``, default ``https://api.twilio.com``).

What a failure means for the caller (the dispatcher, the only one that sends):

* nothing was handed over -- the carrier could not be reached, or answered 5xx / 429:
  :class:`~righthand.errors.ServiceUnavailable` (retry later, nothing lost);
* the carrier refused the account (401/403): :class:`~righthand.errors.BadCredentials`;
* the carrier refused the message (other 4xx, e.g. a number it cannot text):
  :class:`~righthand.errors.ClientMustAct` with the carrier's own words;
* the request went out but no answer came back (read timeout, dropped connection):
  :class:`~righthand.errors.DeliveryUncertain` -- the carrier may have queued the text, so it
  is never sent again automatically.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from righthand.errors import BadCredentials, ClientMustAct, DeliveryUncertain, ServiceUnavailable

DEFAULT_API = "https://api.twilio.com"
MAX_ANSWER = 64 * 1024
_WHERE = "Settings > Connections > Phone (or `righthand calls line --account-sid ...`)"


@dataclass(frozen=True)
class Sent:
    """The carrier's receipt."""

    sid: str
    status: str


@dataclass
class SmsSender:
    """One carrier account: sends texts from ``from_number``."""

    account_sid: str
    auth_token: str = ""
    base_url: str = DEFAULT_API
    timeout: float = 15.0

    def url(self) -> str:
        """The Messages resource of the account."""
        return (f"{self.base_url.rstrip('/')}/2010-04-01/Accounts/"
                f"{quote(self.account_sid, safe='')}/Messages.json")

    def send(self, to: str, from_number: str, body: str,
             idempotency_key: str | None = None) -> Sent:
        """Send one text; returns the carrier's receipt (see the module text for failures)."""
        headers = {"Accept": "application/json"}
        if idempotency_key:  # a carrier that honours it drops a repeat; others ignore it
            headers["Idempotency-Key"] = idempotency_key
        try:
            with httpx.Client(timeout=self.timeout, follow_redirects=False,
                              trust_env=False) as client:
                answer = client.post(self.url(), data={"To": to, "From": from_number,
                                                       "Body": body},
                                     auth=(self.account_sid, self.auth_token), headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise ServiceUnavailable(f"the carrier's API at {self.base_url} cannot be reached "
                                     f"({type(exc).__name__})") from exc
        except httpx.TransportError as exc:  # sent, but the answer was lost
            raise DeliveryUncertain(f"the connection to the carrier broke after the text was "
                                    f"sent ({type(exc).__name__}); it may or may not "
                                    "arrive") from exc
        return _read(answer)


def _read(answer: httpx.Response) -> Sent:
    data = _json(answer)
    said = str(data.get("message") or answer.reason_phrase or "no reason given")[:300]
    code = f" (error {data['code']})" if data.get("code") else ""
    status = answer.status_code
    if status >= 500 or status == 429:
        raise ServiceUnavailable(f"the carrier answered {status}: {said}{code}")
    if status in (401, 403):
        raise BadCredentials(f"the carrier refused the account ({status}): {said}{code}",
                             hint=f"Check the account SID and auth token in {_WHERE}; texts "
                                  "wait until they are right.")
    if status >= 400:
        raise ClientMustAct(f"the carrier refused the text ({status}): {said}{code}",
                            hint="Check your phone numbers in Settings > Connections > Phone, "
                                 "then `righthand outbox resend ID`.")
    if status >= 300:  # redirects are not followed: nothing was sent
        raise ClientMustAct(f"the carrier's API answered {status} (a redirect)",
                            hint="Check RIGHTHAND_SMS_API_URL: it must be the API's own "
                                 "address, e.g. https://api.twilio.com.")
    return Sent(str(data.get("sid") or ""), str(data.get("status") or "queued"))


def _json(answer: httpx.Response) -> dict[str, Any]:
    try:
        data = answer.json() if len(answer.content) <= MAX_ANSWER else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
