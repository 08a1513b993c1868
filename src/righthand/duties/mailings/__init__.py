"""Mailings: email campaigns and printed mailings."""

from righthand.duties.mailings.manifest import MAILINGS_SEND
from righthand.duties.plugin import DutyPlugin

plugin = DutyPlugin(name="mailings", manifests=(MAILINGS_SEND,))
