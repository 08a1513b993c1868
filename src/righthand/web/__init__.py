"""The web app (FastAPI): JSON API, HTML pages, auth. Built by the web issue."""
