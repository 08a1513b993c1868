"""Shipped pipeline templates: stages with a default win probability and a stall threshold.

A workspace's pipelines are data (``pipelines`` and ``pipeline_stages``); these templates are
only where they start. Probabilities follow how far a deal of that stage usually gets; "stalled
after" is how many days in the stage before the assistant calls the deal stalled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class StageTemplate:
    """One stage of a template."""

    key: str
    name: str
    probability: int
    stalled_after_days: int | None
    outcome: str = "open"  # open won lost


@dataclass(frozen=True)
class PipelineTemplate:
    """A named, ordered list of stages."""

    key: str
    name: str
    stages: tuple[StageTemplate, ...]


S = StageTemplate

RESIDENTIAL = PipelineTemplate("residential", "Residential real estate", (
    S("lead", "Lead", 5, 14),
    S("showing", "Showing", 10, 21),
    S("offer", "Offer", 25, 7),
    S("under_contract", "Under contract", 50, 7),
    S("inspection", "Inspection", 65, 10),
    S("appraisal", "Appraisal", 75, 14),
    S("financing", "Financing", 85, 21),
    S("closing", "Closing", 95, 7),
    S("closed", "Closed", 100, None, "won"),
))

B2B = PipelineTemplate("b2b", "General B2B sales", (
    S("lead", "Lead", 10, 14),
    S("qualified", "Qualified", 20, 14),
    S("meeting", "Meeting", 35, 10),
    S("proposal", "Proposal", 50, 14),
    S("negotiation", "Negotiation", 75, 14),
    S("won", "Won", 100, None, "won"),
))

# The default pipelines of two CRMs whose exports the importer reads, so an import from them
# lands in stages with sensible probabilities rather than made-up ones.
HUBSPOT = PipelineTemplate("sales_pipeline", "Sales Pipeline", (
    S("appointment_scheduled", "Appointment Scheduled", 20, 14),
    S("qualified_to_buy", "Qualified To Buy", 40, 14),
    S("presentation_scheduled", "Presentation Scheduled", 60, 14),
    S("decision_maker_bought_in", "Decision Maker Bought-In", 80, 14),
    S("contract_sent", "Contract Sent", 90, 10),
    S("closed_won", "Closed Won", 100, None, "won"),
    S("closed_lost", "Closed Lost", 0, None, "lost"),
))

PIPEDRIVE = PipelineTemplate("pipeline", "Pipeline", (
    S("qualified", "Qualified", 10, 14),
    S("contact_made", "Contact Made", 20, 14),
    S("demo_scheduled", "Demo Scheduled", 40, 14),
    S("proposal_made", "Proposal Made", 60, 14),
    S("negotiations_started", "Negotiations Started", 80, 14),
))

SHIPPED: dict[str, PipelineTemplate] = {t.key: t for t in (RESIDENTIAL, B2B)}
KNOWN: tuple[PipelineTemplate, ...] = (RESIDENTIAL, B2B, HUBSPOT, PIPEDRIVE)


def slug(text: str) -> str:
    """The key form of a stage or pipeline name: 'Under contract' -> 'under_contract'."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:100]


def matching_template(stage_names: list[str]) -> PipelineTemplate | None:
    """The known template whose stages include every one of ``stage_names``, if any."""
    keys = {slug(n) for n in stage_names if n.strip()}
    for template in KNOWN:
        own = {s.key for s in template.stages} | {slug(s.name) for s in template.stages}
        if keys and keys <= own:
            return template
    return None
