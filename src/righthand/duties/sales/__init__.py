"""The sales pipeline (sales.track): deals through stages, the activity timeline,
where-are-we answers, the forecast, updates as actions, proposals from mail, CSV import.

Handlers, effects and jobs are named lazily so registering the duty imports nothing heavy."""

from righthand.duties.plugin import DutyPlugin, LazyEffect, PeriodicJob, Route, lazy
from righthand.duties.sales.manifest import SALES_TRACK

_P = "righthand.duties.sales"
plugin = DutyPlugin(
    name="sales", manifests=(SALES_TRACK,),
    routes=(Route("sales.deal_status", "sales.track", lazy(f"{_P}.handlers:deal_status")),
            Route("sales.pipeline", "sales.track", lazy(f"{_P}.handlers:pipeline")),
            Route("sales.update", "sales.track", lazy(f"{_P}.handlers:update"))),
    effects={"sales.update_deal": LazyEffect(f"{_P}.updates:DealUpdateEffect"),
             "sales.create_deal": LazyEffect(f"{_P}.creating:CreateDealEffect"),
             "sales.import_deals": LazyEffect(f"{_P}.import_effect:ImportDealsEffect")},
    jobs=(PeriodicJob("sales.link_activity", "sales.track", 15,
                      lazy(f"{_P}.handlers:_link_job")),))
