"""``righthand mcp``: a Model Context Protocol server on stdio (the ``mcp`` SDK).

Tools: ``ask`` (any request in words, with an optional conversation name) and one tool per
intent a duty answers (``calendar_agenda``, ``email_send``, ...; the intent's dots become
underscores), each taking the request in words. Every call goes through
``assistant.ask``: read access is checked against the job description and every proposed
action meets the gate -- an MCP client can do nothing the client has not delegated. The
result is the assistant's answer as text, plus the intent and each action with its decision.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from righthand.commands import common

if TYPE_CHECKING:
    from righthand.bootstrap import App


def tool_intents(application: App) -> dict[str, str]:
    """Tool name -> public intent, for every intent a duty answers."""
    from righthand.conversation.engine import PUBLIC

    found = {PUBLIC.get(route, route) for route in application.registry.routes}
    return {intent.replace(".", "_"): intent for intent in sorted(found)}


def _result(answer: Any) -> dict[str, Any]:
    data = answer.as_json()
    return {"answer": data["answer"], "intent": data["intent"], "slots": data["slots"],
            "actions": data["actions"]}


def server(application: App, workspace: str | None) -> Any:
    """The MCP server, bound to ``application`` and the client's workspace."""
    from mcp.server.mcpserver import MCPServer

    from righthand.service.assistant import ask

    with common.workspace(application, write=False) as (_, ws):
        slug, name, client = ws.slug, ws.assistant_name, ws.client_name
    mcp = MCPServer(name="righthand", title=f"{name}, {client}'s assistant",
                    instructions=f"{name} is {client}'s office assistant. Every action a tool "
                                 "proposes meets the client's job description: it is done, "
                                 "waits for the client's approval, or is refused.")

    def ask_tool(text: str, conversation: str = "") -> dict[str, Any]:
        """Ask the assistant anything, in words. Calls with the same conversation name carry
        follow-ups and answers to its questions."""
        channel = f"mcp:{conversation}" if conversation else None
        return _result(ask(application, text, slug, actor="client (mcp)", channel=channel))

    mcp.add_tool(ask_tool, name="ask", description=ask_tool.__doc__)
    titles = {route.intent: application.catalog[route.duty].title
              for route in application.registry.routes.values()
              if route.duty in application.catalog}
    for tool, intent in tool_intents(application).items():
        duty = titles.get(intent) or next((t for i, t in titles.items()
                                           if i.startswith(intent.split(".")[0])), "")
        mcp.add_tool(_bound(application, slug, intent), name=tool,
                     description=f"{intent} ({duty}): the request in words, as the client "
                                 "would say it. Its actions meet the gate.")
    return mcp


def _bound(application: App, slug: str, intent: str) -> Any:
    from righthand.service.assistant import ask

    def tool(request: str) -> dict[str, Any]:
        return _result(ask(application, request, slug, actor="client (mcp)", intent=intent))

    return tool


def mcp_command() -> None:
    """Serve the duties as MCP tools on stdin/stdout (every call meets the gate)."""
    import importlib.util

    from righthand.errors import ClientMustAct

    if importlib.util.find_spec("mcp") is None:
        raise ClientMustAct("the MCP server needs the mcp package",
                            hint="pip install 'righthand[mcp]'")
    application = common.build_app()
    server(application, common.state["workspace"]).run("stdio")
