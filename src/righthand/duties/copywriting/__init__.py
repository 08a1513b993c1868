"""Ad copy from a brief (copy.write): several variants within each channel's hard limits,
offline or with the optional language model, proposed as ``copy.draft`` actions."""

from righthand.duties.copywriting.manifest import COPY_WRITE
from righthand.duties.plugin import DutyPlugin, LazyEffect, Route, lazy

_P = "righthand.duties.copywriting"
plugin = DutyPlugin(
    name="copy", manifests=(COPY_WRITE,),
    routes=(Route("copy.write", "copy.write", lazy(f"{_P}.handlers:write")),),
    effects={"copy.draft": LazyEffect(f"{_P}.effects:CopyDraftEffect")})
