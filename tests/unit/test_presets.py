"""The shipped phase presets follow the classic phased approach (DESIGN.md section 1)."""

from __future__ import annotations

import pytest

from righthand.domain.actions import Initiative
from righthand.duties.registry import load
from righthand.policy.autonomy import Autonomy
from righthand.policy.duties import ActionKind, DutyCatalog, DutyManifest, Phase, Risk
from righthand.policy.job import DutySetting, JobDescription
from righthand.policy.limits import Limits
from righthand.policy.presets import preset, preset_lines

TZ = "America/New_York"
CATALOG = load().catalog

CLERICAL = {"lists.maintain", "supplies.order", "mailings.send"}
SECRETARIAL = {"appointments.confirm", "copy.write", "screening.email", "screening.calls",
               "email.send", "supplies.reorder"}
EXECUTIVE = {"calendar.manage", "sales.track", "appointments.schedule", "briefing.manage"}


def on(job: JobDescription) -> set[str]:
    """The duties a job description switches on."""
    return {d for d, s in job.duties.items() if s.enabled}


def proactive(job: JobDescription, duties: set[str] | None = None) -> set[str]:
    """The enabled duties (of ``duties``, if given) that may start work themselves."""
    return {d for d, s in job.duties.items()
            if s.enabled and s.initiative is Initiative.PROACTIVE
            and (duties is None or d in duties)}


def test_the_catalog_holds_the_thirteen_duties_in_their_phases() -> None:
    by_phase = {p: {d for d, m in CATALOG.items() if m.phase is p} for p in Phase}
    assert by_phase == {Phase.I: CLERICAL, Phase.II: SECRETARIAL, Phase.III: EXECUTIVE}


@pytest.mark.parametrize("phase", list(Phase), ids=lambda p: p.roman)
def test_a_preset_has_a_line_for_every_duty(phase: Phase) -> None:
    job = preset(phase, CATALOG, TZ)
    assert set(job.duties) == set(CATALOG)
    assert job.phase == int(phase)
    assert job.timezone == TZ


def test_phase_one_is_the_three_clerical_duties_all_reactive() -> None:
    job = preset(Phase.I, CATALOG, TZ)
    assert on(job) == CLERICAL
    assert proactive(job) == set()


def test_phase_two_adds_the_secretarial_duties_half_of_them_proactive() -> None:
    job = preset(Phase.II, CATALOG, TZ)
    assert on(job) == CLERICAL | SECRETARIAL
    added_proactive = proactive(job, SECRETARIAL)
    assert added_proactive == {"appointments.confirm", "screening.email", "supplies.reorder"}
    assert len(added_proactive) == 3 == len(SECRETARIAL) // 2
    # The clerical duties stay reactive in Phase II.
    assert proactive(job, CLERICAL) == set()


def test_phase_three_turns_everything_on_mostly_proactive() -> None:
    job = preset(Phase.III, CATALOG, TZ)
    assert on(job) == set(CATALOG)
    assert len(on(job)) == 13
    assert proactive(job) == set(CATALOG) - {"supplies.order", "mailings.send"}
    assert len(proactive(job)) == 11  # "highly proactive": 11 of 13


@pytest.mark.parametrize(("phase", "duty"), [
    pytest.param(phase, duty, id=f"{phase.roman}-{duty}")
    for phase in Phase for duty, manifest in CATALOG.items() if manifest.phase > phase
])
def test_a_later_phase_duty_is_off_in_an_earlier_preset(phase: Phase, duty: str) -> None:
    setting = preset(phase, CATALOG, TZ).setting(duty)
    assert setting.autonomy is Autonomy.OFF
    assert not setting.enabled


@pytest.mark.parametrize(("earlier", "later"), [(Phase.I, Phase.II), (Phase.II, Phase.III)],
                         ids=["I->II", "II->III"])
def test_trust_only_grows_from_one_phase_to_the_next(earlier: Phase, later: Phase) -> None:
    before, after = preset(earlier, CATALOG, TZ), preset(later, CATALOG, TZ)
    for duty in CATALOG:
        was, now = before.setting(duty), after.setting(duty)
        assert now.autonomy.rank >= was.autonomy.rank, duty
        if was.initiative is Initiative.PROACTIVE:
            assert now.initiative is Initiative.PROACTIVE, duty


def test_supply_spend_limits_grow_with_the_phases() -> None:
    limits = [preset(p, CATALOG, TZ).setting("supplies.order").limits for p in Phase]
    per_order = [lim.spend_per_order for lim in limits if lim.spend_per_order is not None]
    per_month = [lim.spend_per_month for lim in limits if lim.spend_per_month is not None]
    assert per_order == sorted(per_order) and len(set(per_order)) == 3
    assert per_month == sorted(per_month) and len(set(per_month)) == 3


# -- a third-party duty the presets do not name ---------------------------------------------------

def third_party(phase: Phase, nature: Initiative) -> DutyManifest:
    """A plugin's duty, unknown to the shipped presets."""
    return DutyManifest(
        id="acme.crm", title="Syncing the ACME CRM", phase=phase, risk=Risk.LOW, nature=nature,
        read_scopes=frozenset({"contacts"}),
        action_kinds=(ActionKind("acme.sync", "Push a contact to ACME", via="acme"),))


def with_plugin(manifest: DutyManifest) -> DutyCatalog:
    """The built-in catalog plus ``manifest``."""
    return DutyCatalog([*CATALOG.values(), manifest])


@pytest.mark.parametrize(("phase", "expected"), [
    (Phase.I, DutySetting()),
    (Phase.II, DutySetting(Autonomy.ASK, Initiative.PROACTIVE, Limits())),
    (Phase.III, DutySetting(Autonomy.ASK, Initiative.PROACTIVE, Limits())),
], ids=lambda v: v.roman if isinstance(v, Phase) else None)
def test_third_party_duty_is_on_at_ask_from_its_own_phase(phase: Phase,
                                                           expected: DutySetting) -> None:
    catalog = with_plugin(third_party(Phase.II, Initiative.PROACTIVE))
    job = preset(phase, catalog, TZ)
    assert job.setting("acme.crm") == expected
    # The built-in lines are unchanged by the plugin's presence.
    assert {d: s for d, s in job.duties.items() if d != "acme.crm"} == \
        preset(phase, CATALOG, TZ).duties


def test_third_party_duty_keeps_its_own_nature() -> None:
    catalog = with_plugin(third_party(Phase.I, Initiative.REACTIVE))
    setting = preset(Phase.I, catalog, TZ).setting("acme.crm")
    assert (setting.autonomy, setting.initiative) == (Autonomy.ASK, Initiative.REACTIVE)


def test_preset_lines_are_a_copy() -> None:
    lines = preset_lines(Phase.I)
    assert set(lines) == CLERICAL
    lines["calendar.manage"] = DutySetting(Autonomy.AUTO)
    assert "calendar.manage" not in preset_lines(Phase.I)
    assert preset(Phase.I, CATALOG, TZ).setting("calendar.manage").autonomy is Autonomy.OFF


# -- Phase.parse ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "phase"), [
    ("I", Phase.I), ("ii", Phase.II), ("3", Phase.III), ("phase III", Phase.III),
    ("Phase 2", Phase.II), ("  iii  ", Phase.III), ("1", Phase.I), ("PHASE I", Phase.I),
])
def test_phase_parse_accepts(text: str, phase: Phase) -> None:
    assert Phase.parse(text) is phase


@pytest.mark.parametrize("text", ["IV", "4", "0", "", "phase", "one", "II I"])
def test_phase_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="a phase is I, II or III"):
        Phase.parse(text)


def test_phase_names() -> None:
    assert [p.roman for p in Phase] == ["I", "II", "III"]
    assert Phase.III.label.startswith("rapport")
