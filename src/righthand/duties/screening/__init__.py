"""Screening of email and calls."""

from typing import Any

from righthand.duties.plugin import DutyPlugin, LazyEffect, PeriodicJob, Route, lazy
from righthand.duties.screening.manifest import SCREENING_CALLS, SCREENING_EMAIL


def _poll(context: Any) -> None:
    # The poller lives in the service layer (it reads the mailbox through a connector); the
    # duty only names the job, so the duty itself never speaks IMAP.
    from righthand.service.mail_poll import run_job

    run_job(context)


_P = "righthand.duties.screening"
plugin = DutyPlugin(
    name="screening", manifests=(SCREENING_EMAIL, SCREENING_CALLS),
    routes=(Route("screening.email_summary", SCREENING_EMAIL.id,
                  lazy(f"{_P}.handlers:email_summary")),
            Route("screening.rule", SCREENING_EMAIL.id, lazy(f"{_P}.handlers:rule")),
            Route("screening.calls_summary", SCREENING_CALLS.id,
                  lazy(f"{_P}.call_answers:calls_summary"))),
    effects={"mail.file": LazyEffect(f"{_P}.effects:FileEffect"),
             "calls.correct": LazyEffect(f"{_P}.call_corrections:CorrectEffect")},
    on_delivered={"mail.file": lazy(f"{_P}.effects:filed")},
    jobs=(PeriodicJob("screening.poll", SCREENING_EMAIL.id, 5, _poll),))
