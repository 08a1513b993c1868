"""Contacts and mailing lists (lists.maintain)."""

from righthand.duties.lists.handlers import SubscribeEffect, subscribe
from righthand.duties.lists.manifest import LISTS_MAINTAIN
from righthand.duties.plugin import DutyPlugin, Route

plugin = DutyPlugin(
    name="lists", manifests=(LISTS_MAINTAIN,),
    routes=(Route("lists.subscribe", "lists.maintain", subscribe),
            Route("contacts.add", "lists.maintain", subscribe)),
    effects={"lists.subscribe": SubscribeEffect()})
