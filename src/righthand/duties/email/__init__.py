"""Email on the client's behalf (email.send)."""

from righthand.duties.email.manifest import EMAIL_SEND
from righthand.duties.plugin import DutyPlugin, Route, lazy

plugin = DutyPlugin(name="email", manifests=(EMAIL_SEND,),
                    routes=(Route("email.send", "email.send",
                                  lazy("righthand.duties.email.compose:send")),))
