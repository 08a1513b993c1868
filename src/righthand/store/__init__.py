"""Storage: SQLAlchemy tables, workspace scoping, unit of work, Alembic migrations."""
