"""The sales pipeline (sales.track): pipelines as data, deals with their people and timeline,
where-are-we answers, the forecast, updates as actions, proposals from mail, CSV import."""

from righthand.duties.plugin import DutyPlugin, Route
from righthand.duties.sales.creating import CreateDealEffect
from righthand.duties.sales.handlers import LINK_JOB, deal_status, pipeline, update
from righthand.duties.sales.import_effect import ImportDealsEffect
from righthand.duties.sales.manifest import SALES_TRACK
from righthand.duties.sales.updates import DealUpdateEffect

plugin = DutyPlugin(
    name="sales", manifests=(SALES_TRACK,),
    routes=(Route("sales.deal_status", "sales.track", deal_status),
            Route("sales.pipeline", "sales.track", pipeline),
            Route("sales.update", "sales.track", update)),
    effects={"sales.update_deal": DealUpdateEffect(), "sales.create_deal": CreateDealEffect(),
             "sales.import_deals": ImportDealsEffect()},
    jobs=(LINK_JOB,))
