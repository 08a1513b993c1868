"""`POST /api/ask` through the real app with bearer tokens: the `ask` scope is needed; the
reply carries the intent and each proposed action with the gate's decision; a named
conversation carries a clarification over two requests; the OpenAPI document describes it."""

from __future__ import annotations

from sqlalchemy import select

from righthand.policy.duties import Phase
from righthand.store.tables import User, Workspace
from righthand.web import tokens
from tests.support.web import add_user, client, seed_demo, unique


def _token(app, workspace_id: int, username: str, scopes: list[str]) -> dict[str, str]:
    with app.db.unit(None) as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        ws = session.get(Workspace, workspace_id)
        assert ws is not None
        raw, _ = tokens.issue(session, user, ws, "owner", "bot", scopes, app.clock(), "test")
    return {"Authorization": f"Bearer {raw}"}


def test_ask_over_the_api(single_app, monkeypatch):
    office = seed_demo(single_app, monkeypatch, Phase.II)
    api = client(single_app)
    reader = _token(single_app, office.workspace_id, office.owner, ["read"])
    asker = _token(single_app, office.workspace_id, office.owner, ["ask"])
    said = {"text": "Email Bob that the keys are ready", "conversation": "desk-1"}
    assert api.post("/api/ask", json=said, headers=reader).status_code == 403
    assert api.post("/api/ask", json=said).status_code == 401
    question = api.post("/api/ask", json=said, headers=asker).json()
    assert question["intent"] == "email.send" and "Which Bob" in question["answer"]
    assert question["actions"] == []
    # Another conversation (or none) knows nothing of the question.
    other = api.post("/api/ask", json={"text": "Miller", "conversation": "desk-2"},
                     headers=asker).json()
    assert other["actions"] == []
    done = api.post("/api/ask", json={"text": "Miller", "conversation": "desk-1"},
                    headers=asker).json()
    assert done["intent"] == "email.send" and done["slots"]["contact"] == "Bob Miller"
    [action] = done["actions"]
    assert (action["kind"], action["decision"]) == ("email.send", "ask")  # Phase II asks
    assert action["approval_id"] and action["reason"]
    bad = api.post("/api/ask", json={"text": "hi", "conversation": "no spaces please"},
                   headers=asker)
    assert bad.status_code in {400, 422}


def test_ask_is_in_the_openapi_document(single_app, monkeypatch):
    seed_demo(single_app, monkeypatch, Phase.II)
    add_user(single_app, unique("nobody"), None)
    spec = client(single_app).get("/api/openapi.json").json()
    operation = spec["paths"]["/api/ask"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    fields = spec["components"]["schemas"][schema.rsplit("/", 1)[1]]["properties"]
    assert {"text", "conversation"} <= set(fields)
    answer = spec["components"]["schemas"]["AnswerOut"]["properties"]
    assert {"answer", "intent", "actions"} <= set(answer)
    action = spec["components"]["schemas"]["ActionOut"]["properties"]
    assert {"decision", "reason", "approval_id"} <= set(action)
