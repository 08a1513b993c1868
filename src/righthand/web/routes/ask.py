"""Ask: a chat with the assistant (the same engine as `righthand ask`), with every proposed
action shown inline with the gate's decision -- done, waiting for approval, or refused and why."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse

from righthand.errors import RighthandError
from righthand.service.assistant import ask as assistant_ask
from righthand.web import operations
from righthand.web.auth import PageContext, get_app
from righthand.web.render import is_htmx, render
from righthand.web.routing import page_router

router = page_router()
EXAMPLES = ("What's on my calendar today?", "Add Sue Park, sue@example.com, to the newsletter list",
            "Email Bob Miller that I'm running ten minutes late", "What's waiting for me?")


@router.get("/ask", response_class=HTMLResponse)
def ask_page(request: Request, ctx: PageContext) -> HTMLResponse:
    """The conversation page."""
    return render(request, "ask.html", ctx=ctx, active="ask", title="Ask", exchanges=[],
                  examples=EXAMPLES)


@router.post("/ask", response_class=HTMLResponse)
def ask_post(request: Request, ctx: PageContext,
             text: Annotated[str, Form(min_length=1, max_length=2000)]) -> HTMLResponse:
    """One request; htmx gets the exchange as a fragment, a plain form the whole page."""
    ctx.require("ask")
    app = get_app(request)
    try:
        # one conversation per signed-in user and workspace: "Which Bob?" -> "Miller"
        answer = assistant_ask(app, text, ctx.slug, actor=ctx.actor,
                               channel=f"web:{ctx.actor}")
        error = None
    except RighthandError as exc:
        answer, error = None, exc
    hashes: dict[int, str] = {}
    if answer is not None:
        with app.db.unit(ctx.workspace_id, write=False) as session:
            hashes = operations.pending_hashes(
                session, [a.approval_id for a in answer.actions if a.approval_id])
    exchange = {"text": text, "answer": answer, "error": error, "hashes": hashes}
    if is_htmx(request):
        return render(request, "ask_exchange.html", ctx=ctx, exchange=exchange, oob_form=True)
    return render(request, "ask.html", ctx=ctx, active="ask", title="Ask",
                  exchanges=[exchange], examples=EXAMPLES)
