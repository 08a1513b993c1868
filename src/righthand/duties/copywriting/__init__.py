"""Ad copy from a brief."""

from righthand.duties.copywriting.manifest import COPY_WRITE
from righthand.duties.plugin import DutyPlugin

plugin = DutyPlugin(name="copy", manifests=(COPY_WRITE,))
