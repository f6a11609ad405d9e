"""Alembic environment: runs on the engine ccn hands over, never on a config file."""

from __future__ import annotations

from alembic import context

from db.tables import trigram_indexes

config = context.config


def run() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=trigram_indexes(),
            render_as_batch=connection.dialect.name == "sqlite",
            # Each migration commits on its own: a refused one leaves the ones before it.
            transaction_per_migration=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run()
