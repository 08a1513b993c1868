"""Email on the client's behalf (email.send)."""

from righthand.duties.email.compose import send
from righthand.duties.email.manifest import EMAIL_SEND
from righthand.duties.plugin import DutyPlugin, Route

plugin = DutyPlugin(name="email", manifests=(EMAIL_SEND,),
                    routes=(Route("email.send", "email.send", send),))
