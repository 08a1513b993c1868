"""Contacts and mailing lists (lists.maintain)."""

from righthand.duties.lists.asking import add_contact, lookup, show_list, unsubscribe
from righthand.duties.lists.contacts import CreateContactEffect, UpdateContactEffect
from righthand.duties.lists.handlers import SubscribeEffect, subscribe
from righthand.duties.lists.import_apply import ImportEffect
from righthand.duties.lists.manifest import LISTS_MAINTAIN
from righthand.duties.lists.merge import MergeEffect
from righthand.duties.lists.segments import DeleteSegmentEffect, SaveSegmentEffect
from righthand.duties.lists.subscriptions import CreateListEffect, UnsubscribeEffect
from righthand.duties.lists.suppression import SuppressEffect, UnsuppressEffect
from righthand.duties.plugin import DutyPlugin, Route

plugin = DutyPlugin(
    name="lists", manifests=(LISTS_MAINTAIN,),
    routes=(Route("lists.subscribe", "lists.maintain", subscribe),
            Route("contacts.add", "lists.maintain", add_contact),
            Route("contacts.lookup", "lists.maintain", lookup),
            Route("lists.show", "lists.maintain", show_list),
            Route("lists.unsubscribe", "lists.maintain", unsubscribe)),
    effects={"lists.subscribe": SubscribeEffect(),
             "lists.unsubscribe": UnsubscribeEffect(),
             "contacts.create": CreateContactEffect(),
             "contacts.update": UpdateContactEffect(),
             "contacts.import": ImportEffect(),
             "contacts.merge": MergeEffect(),
             "lists.create": CreateListEffect(),
             "segments.save": SaveSegmentEffect(),
             "segments.delete": DeleteSegmentEffect(),
             "suppression.add": SuppressEffect(),
             "suppression.remove": UnsuppressEffect()})
