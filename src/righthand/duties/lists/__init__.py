"""Contacts and mailing lists (lists.maintain).

Handlers and effects are named lazily so registering the duty imports nothing heavy."""

from righthand.duties.lists.manifest import LISTS_MAINTAIN
from righthand.duties.plugin import DutyPlugin, LazyEffect, Route, lazy

_P = "righthand.duties.lists"
plugin = DutyPlugin(
    name="lists", manifests=(LISTS_MAINTAIN,),
    routes=(Route("lists.subscribe", "lists.maintain", lazy(f"{_P}.handlers:subscribe")),
            Route("contacts.add", "lists.maintain", lazy(f"{_P}.asking:add_contact")),
            Route("contacts.lookup", "lists.maintain", lazy(f"{_P}.asking:lookup")),
            Route("lists.show", "lists.maintain", lazy(f"{_P}.asking:show_list")),
            Route("lists.unsubscribe", "lists.maintain", lazy(f"{_P}.asking:unsubscribe"))),
    effects={"lists.subscribe": LazyEffect(f"{_P}.handlers:SubscribeEffect"),
             "lists.unsubscribe": LazyEffect(f"{_P}.subscriptions:UnsubscribeEffect"),
             "contacts.create": LazyEffect(f"{_P}.contacts:CreateContactEffect"),
             "contacts.update": LazyEffect(f"{_P}.contacts:UpdateContactEffect"),
             "contacts.import": LazyEffect(f"{_P}.import_apply:ImportEffect"),
             "contacts.merge": LazyEffect(f"{_P}.merge:MergeEffect"),
             "lists.create": LazyEffect(f"{_P}.subscriptions:CreateListEffect"),
             "segments.save": LazyEffect(f"{_P}.segments:SaveSegmentEffect"),
             "segments.delete": LazyEffect(f"{_P}.segments:DeleteSegmentEffect"),
             "suppression.add": LazyEffect(f"{_P}.suppression:SuppressEffect"),
             "suppression.remove": LazyEffect(f"{_P}.suppression:UnsuppressEffect")})
