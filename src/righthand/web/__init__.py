"""The web console and JSON API (FastAPI): ``app.create_app`` builds it; see ``routing`` for
adding pages, ``auth`` for who may see what, ``render`` for templates and navigation."""
