from tests.conftest import new_workspace


def test_app_builds_and_creates_workspace(app):
    ws = new_workspace(app)
    assert ws > 0
    assert "calendar.manage" in app.catalog
    assert len(app.catalog) == 13
