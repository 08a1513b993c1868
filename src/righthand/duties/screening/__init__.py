"""Screening of email and calls."""

from typing import Any

from righthand.duties.plugin import DutyPlugin, PeriodicJob, Route
from righthand.duties.screening import effects, handlers
from righthand.duties.screening.manifest import SCREENING_CALLS, SCREENING_EMAIL


def _poll(context: Any) -> None:
    # The poller lives in the service layer (it reads the mailbox through a connector); the
    # duty only names the job, so the duty itself never speaks IMAP.
    from righthand.service.mail_poll import run_job

    run_job(context)


plugin = DutyPlugin(
    name="screening", manifests=(SCREENING_EMAIL, SCREENING_CALLS),
    routes=(Route("screening.email_summary", SCREENING_EMAIL.id, handlers.email_summary),
            Route("screening.rule", SCREENING_EMAIL.id, handlers.rule)),
    effects={"mail.file": effects.FileEffect()},
    on_delivered={"mail.file": effects.filed},
    jobs=(PeriodicJob("screening.poll", SCREENING_EMAIL.id, 5, _poll),))
