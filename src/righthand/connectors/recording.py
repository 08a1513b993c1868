"""Fetching a voicemail recording from the carrier, for the console to play it back.

The carrier keeps the recording; its address (``RecordingUrl``) came with the signed recording
webhook. It is fetched server-side, never by the browser, so the line's auth token stays on
the server:

* the address is checked by the installation's URL guard (``righthand.netguard``) and fetched
  from exactly the address checked; the admin's carrier API (``RIGHTHAND_SMS_API_URL``, default
  ``https://api.twilio.com``) is the admin's own choice and counts as allowed;
* HTTP basic auth ``AccountSid:AuthToken`` goes only to the origin of that API; an address (or a
  redirect) anywhere else is fetched without credentials, and only if the guard allows it;
* time and size are bounded, and only audio (MP3 or WAV) is passed on.

Reading only: it changes nothing in the world.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import httpx

from righthand import netguard
from righthand.errors import BadCredentials, NotConfigured, NotFound, ServiceUnavailable

MAX_BYTES = 20 * 1024 * 1024
MAX_REDIRECTS = 3
AUDIO_TYPES = {"audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/wav": "wav",
               "audio/x-wav": "wav", "audio/wave": "wav", "audio/vnd.wave": "wav"}
_WHERE = "Settings > Connections > Phone"


@dataclass(frozen=True)
class Recording:
    """The recording's bytes and its (audio) content type."""

    content: bytes
    content_type: str

    @property
    def extension(self) -> str:
        """mp3 or wav, for a download's file name."""
        return AUDIO_TYPES.get(self.content_type, "wav")


def _allowlist(api_base: str) -> netguard.Allowlist:
    admin = netguard.allowlist()
    host = (httpx.URL(api_base).host or "").lower()
    return netguard.Allowlist(admin.hosts | ({host} if host else set()), admin.suffixes,
                              admin.networks)


def _target(url: str, resolver: netguard.Resolver,
            allowed: netguard.Allowlist) -> tuple[str, dict[str, str], dict[str, Any]]:
    checked = netguard.check_url(url, what="recording address", resolver=resolver,
                                 allowed=allowed)
    address = f"[{checked.address}]" if ":" in checked.address else checked.address
    pinned = f"{checked.scheme}://{address}:{checked.port}{checked.path}"
    default = 443 if checked.scheme == "https" else 80
    headers = {"Host": checked.host if checked.port == default
               else f"{checked.host}:{checked.port}",
               "Accept": ", ".join(sorted(AUDIO_TYPES))}
    extensions: dict[str, Any] = {"sni_hostname": checked.host} \
        if checked.scheme == "https" else {}
    return pinned, headers, extensions


def fetch(url: str, account_sid: str | None, auth_token: str | None, api_base: str, *,
          timeout: float = 15.0, max_bytes: int = MAX_BYTES,
          resolver: netguard.Resolver = netguard.resolve) -> Recording:
    """The recording at ``url`` (see the module text for what is fetched, and how)."""
    if not account_sid or not auth_token:
        raise NotConfigured("the phone line has no account SID or auth token, so its "
                            "recordings cannot be fetched",
                            hint=f"Set them in {_WHERE}.")
    allowed = _allowlist(api_base)
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        credentials = netguard.same_origin(api_base, current)
        pinned, headers, extensions = _target(current, resolver, allowed)
        auth = (account_sid, auth_token) if credentials else None
        try:
            with httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
                              follow_redirects=False, trust_env=False) as client:
                request = client.build_request("GET", pinned, headers=headers,
                                               extensions=extensions)
                response = client.send(request, stream=True, auth=auth)
                try:
                    if response.is_redirect and "location" in response.headers:
                        current = urljoin(current, response.headers["location"])
                        continue
                    _check_status(response.status_code)
                    kind = response.headers.get("content-type", "").split(";")[0].strip() \
                        .lower()
                    if kind not in AUDIO_TYPES:
                        raise ServiceUnavailable(f"the carrier answered with {kind or 'no type'}"
                                                 ", not a recording")
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > max_bytes:
                        raise ServiceUnavailable("the recording is too large to play here")
                    raw = bytearray()
                    for chunk in response.iter_bytes():
                        raw += chunk
                        if len(raw) > max_bytes:
                            raise ServiceUnavailable("the recording is too large to play here")
                    return Recording(bytes(raw), "audio/mpeg" if AUDIO_TYPES[kind] == "mp3"
                                     else "audio/wav")
                finally:
                    response.close()
        except httpx.TimeoutException as exc:
            raise ServiceUnavailable(f"the carrier did not send the recording within "
                                     f"{timeout:.0f} s") from exc
        except httpx.HTTPError as exc:
            raise ServiceUnavailable(f"cannot reach the carrier for the recording "
                                     f"({type(exc).__name__})") from exc
    raise ServiceUnavailable("the carrier redirected the recording too many times")


def _check_status(status: int) -> None:
    if status in (401, 403):
        raise BadCredentials(f"the carrier refused the account ({status}) when asked for the "
                             "recording", hint=f"Check the account SID and auth token in "
                                               f"{_WHERE}.")
    if status == 404:
        raise NotFound("the carrier no longer has this recording",
                       hint="Recordings deleted at the carrier cannot be played.")
    if status >= 400:
        raise ServiceUnavailable(f"the carrier answered {status} when asked for the recording")
    if status >= 300:
        raise ServiceUnavailable(f"the carrier answered {status} without a new address")
