"""Alembic environment: runs Righthand's migrations on the engine it is handed."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from righthand.store.tables import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    """Run migrations online against the configured engine (SQLite or PostgreSQL)."""
    engine = config.attributes.get("engine") or create_engine(
        config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite "batch" migrations rebuild tables (copy, drop, rename). With foreign keys on,
            # dropping the old table would cascade deletes into every table that refers to it.
            # The pragma only takes effect outside a transaction, hence the raw driver call.
            connection.rollback()
            connection.connection.driver_connection.execute(  # type: ignore[union-attr]
                "PRAGMA foreign_keys=OFF")
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=sqlite, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration left dangling references: {broken[:5]}")
        connection.commit()
        if sqlite:
            connection.connection.driver_connection.execute(  # type: ignore[union-attr]
                "PRAGMA foreign_keys=ON")


run()
