"""Fuzzing the Twilio-compatible voice webhooks (issue 9): correctly signed requests with any
form fields and values -- odd numbers, huge or empty digits, unknown call ids, out-of-order steps,
non-UTF-8 bytes -- always get an answer: valid TwiML (200), nothing to say (204), or a refusal
(403/404/413); never a server error, never a hang. Unsigned noise is refused (403)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from righthand.bootstrap import App
from righthand.connectors.twilio import signature
from righthand.policy.duties import Phase
from righthand.web.app import create_app
from righthand.web.twilio_hooks import STEPS
from tests.conftest import new_workspace, workspace_slug
from tests.support.calls import LINE, TOKEN, set_line

FUZZ = settings(max_examples=150, deadline=3000, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
FIELDS = ["CallSid", "AccountSid", "From", "To", "CallStatus", "Direction", "Digits",
          "SpeechResult", "Confidence", "DialCallStatus", "DialCallDuration", "RecordingUrl",
          "RecordingSid", "RecordingDuration", "TranscriptionText", "TranscriptionStatus",
          "CallerName", "Body"]
VALUES = st.sampled_from(["", "CA123", "CA" + "f" * 32, LINE, "+12025550123", "anonymous",
                          "+1", "0" * 40, "completed", "no-answer", "busy", "1", "9" * 30,
                          "-5", "1e309", "NaN", "https://example.com/r.wav",
                          "http://127.0.0.1:1/x", "javascript:alert(1)", "<Say>hi</Say>",
                          "\x00", "ünïcødé ☎", "a" * 5000]) | st.text(max_size=200)


@pytest.fixture
def hooks(single_app: App) -> Iterator[tuple[TestClient, str]]:
    ws = new_workspace(single_app, Phase.II)
    set_line(single_app, ws)
    yield TestClient(create_app(single_app)), workspace_slug(single_app, ws)


def _check(response: object) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    assert status in {200, 204, 403, 404, 413}, (status, response.text)  # type: ignore[attr-defined]
    if status == 200:
        assert response.headers["content-type"].startswith("application/xml")  # type: ignore[attr-defined]
        assert ElementTree.fromstring(response.text).tag == "Response"  # type: ignore[attr-defined]


@FUZZ
@given(step=st.sampled_from(STEPS),
       params=st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=20), VALUES,
                              max_size=12))
def test_signed_webhooks_always_answer(hooks: tuple[TestClient, str], step: str,
                                       params: dict[str, str]) -> None:
    web, slug = hooks
    params = {k: v for k, v in params.items() if "\x00" not in k}
    url = f"http://testserver/hooks/twilio/{slug}/{step}"
    _check(web.post(url, content=urlencode(params),
                    headers={"Content-Type": "application/x-www-form-urlencoded",
                             "X-Twilio-Signature": signature(url, params, TOKEN)}))


@FUZZ
@given(step=st.sampled_from([*STEPS, "other"]), body=st.binary(max_size=3000),
       header=st.text(max_size=60))
def test_unsigned_noise_is_refused(hooks: tuple[TestClient, str], step: str, body: bytes,
                                   header: str) -> None:
    web, slug = hooks
    response = web.post(f"http://testserver/hooks/twilio/{slug}/{step}", content=body,
                        headers={"Content-Type": "application/x-www-form-urlencoded",
                                 "X-Twilio-Signature": header.encode("ascii", "ignore")
                                 .decode()})
    assert response.status_code in {403, 404}, (response.status_code, response.text)
