"""Alembic's entry point: run the migrations on the engine successbot hands over.

``successbot db upgrade`` (and the bot at start) pass their engine in
``config.attributes["engine"]``; the plain ``alembic`` command falls back to
``sqlalchemy.url`` from alembic.ini or ``$SUCCESSBOT_DATABASE_URL``.
"""

from __future__ import annotations

import os

from alembic import context

from successbot.storage.database import make_engine
from successbot.storage.models import Base

config = context.config
target_metadata = Base.metadata


def _engine():
    engine = config.attributes.get("engine")
    if engine is not None:
        return engine
    url = os.environ.get("SUCCESSBOT_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    return make_engine(url)


def run_migrations_offline() -> None:
    url = os.environ.get("SUCCESSBOT_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    with _engine().connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,  # SQLite can only change tables by copying them
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
