"""``righthand copy``: ad copy from a brief, within each channel's hard limits, and the brand
voice learned from the client's edits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from righthand.commands import common
from righthand.errors import BadInput

app = typer.Typer(help="Ad copy from a brief: Google/Microsoft search ads, Facebook/Instagram, "
                       "listings, subject lines, flyers.", no_args_is_help=True)
Opt = typer.Option


@app.command("write")
def write(
    offer: Annotated[str, Opt(help="What is advertised, e.g. 'Spring cleaning special'.")],
    channel: Annotated[str, Opt(help="google-rsa, microsoft-rsa, meta, listing, "
                                     "email-subject or flyer.")] = "google-rsa",
    fact: Annotated[list[str] | None, Opt(help="A fact that must appear word for word; "
                                                "repeatable.")] = None,
    avoid: Annotated[list[str] | None, Opt(help="A word to avoid; repeatable.")] = None,
    audience: Annotated[str, Opt(help="Who it is for.")] = "",
    differentiator: Annotated[list[str] | None, Opt(help="What sets you apart; "
                                                          "repeatable.")] = None,
    tone: Annotated[str, Opt(help="friendly, professional, playful or urgent.")] = "friendly",
    business: Annotated[str, Opt(help="Business name (default: the profile's).")] = "",
    variants: Annotated[int, Opt(min=1, max=5, help="How many variants.")] = 3,
    csv: Annotated[Path | None, Opt("--csv", help="Also write the upload CSV here.")] = None,
    campaign: Annotated[str, Opt(help="Campaign name for the CSV.")] = "",
    ad_group: Annotated[str, Opt(help="Ad group name for the CSV.")] = "",
    final_url: Annotated[str, Opt(help="Landing page for the CSV (search ads).")] = "",
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """Draft ad copy; the drafts wait for approval where the job description says so."""
    from righthand.domain.copy import Brief, preset
    from righthand.service import copywriting

    if tone not in {"friendly", "professional", "playful", "urgent"}:
        raise BadInput(f"unknown tone {tone!r}",
                       hint="Use friendly, professional, playful or urgent.")
    try:
        chosen = preset(channel)
    except ValueError as exc:
        raise BadInput(str(exc), hint="Pick one of the channels listed.") from exc
    brief = Brief(offer=offer.strip(), audience=audience.strip(),
                  differentiators=tuple(differentiator or ()), tone=tone,
                  avoid=tuple(avoid or ()), facts=tuple(fact or ()), business=business.strip())
    application = common.build_app()
    answer = copywriting.write(application, brief, chosen.id, variants,
                               common.state["workspace"])
    drafted = answer.data.get("csv")
    if not answer.actions:
        raise BadInput(answer.answer, hint="Change the brief and run the command again.")
    if csv is not None:
        if not drafted:
            raise BadInput("no copy was drafted, so no CSV was written",
                           hint="Read the answer above, fix the brief and try again.")
        if campaign or ad_group or final_url:
            from righthand.duties.copywriting.generate import to_csv

            drafted = to_csv(chosen, answer.data.get("variants") or [], campaign, ad_group,
                             final_url)
        try:
            csv.write_text(str(drafted), encoding="utf-8")
        except OSError as exc:
            raise BadInput(f"cannot write {csv}: {exc.strerror}",
                           hint="Pick a folder you can write to.") from exc
    if as_json:
        typer.echo(json.dumps({**answer.as_json(), "variants": answer.data.get("variants"),
                               "source": answer.data.get("source")}, indent=2))
        return
    typer.echo(answer.answer)
    if csv is not None:
        typer.echo(f"\nCSV for upload written to {csv}.")


@app.command("learn")
def learn(before: Annotated[str, typer.Argument(help="The drafted text.")],
          after: Annotated[str, typer.Argument(help="How you would have written it.")],
          channel: Annotated[str, Opt(help="The channel it was for.")] = "") -> None:
    """Teach the brand voice with one edit of drafted copy."""
    from righthand.service import copywriting

    learned = copywriting.learn(common.build_app(), before, after, channel,
                                common.state["workspace"])
    typer.echo(json.dumps(learned.as_json()))


@app.command("voice")
def voice() -> None:
    """The brand voice learned from your edits so far."""
    from righthand.service import copywriting

    learned = copywriting.voice(common.build_app(), common.state["workspace"])
    typer.echo(json.dumps(learned.as_json(), indent=2))
