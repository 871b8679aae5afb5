"""Bring an existing KB database up to the tables of this version of kotae.

``create_all`` makes missing tables but never touches a table that exists, so a column added
to a table in a later version (``query_events.client``, say) would be missing from every KB
made before it. ``upgrade`` adds such columns (each must have a server default or allow NULL,
so existing rows stay valid) and their indexes; it never drops or changes anything.

Example:
    >>> upgrade(engine, Base.metadata)
    ['query_events.client']
"""

from __future__ import annotations

import logging

from sqlalchemy import Column, MetaData, inspect, text
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)


def _column_ddl(column: Column, engine: Engine) -> str:
    preparer = engine.dialect.identifier_preparer
    ddl = f"{preparer.quote(column.name)} {column.type.compile(dialect=engine.dialect)}"
    default = column.server_default
    if default is not None:
        value = str(getattr(default, "arg", ""))
        ddl += " DEFAULT '" + value.replace("'", "''") + "'"
        if not column.nullable:
            ddl += " NOT NULL"
    elif not column.nullable:
        raise ValueError(f"column {column.table.name}.{column.name} cannot be added to an "
                         "existing table: give it a server_default or make it nullable")
    return ddl


def upgrade(engine: Engine, metadata: MetaData) -> list[str]:
    """Add the columns (and their indexes) that existing tables lack; returns what was added."""
    inspector = inspect(engine)
    added: list[str] = []
    for table in metadata.sorted_tables:
        if not inspector.has_table(table.name):
            continue
        have = {c["name"] for c in inspector.get_columns(table.name)}
        missing = [c for c in table.columns if c.name not in have]
        if not missing:
            continue
        quoted = engine.dialect.identifier_preparer.quote(table.name)
        with engine.begin() as conn:
            for column in missing:
                conn.execute(text(f"ALTER TABLE {quoted} ADD COLUMN "
                                  f"{_column_ddl(column, engine)}"))
                added.append(f"{table.name}.{column.name}")
            names = {c.name for c in missing}
            for index in table.indexes:
                if names & {c.name for c in index.columns}:
                    index.create(conn, checkfirst=True)
    if added:
        log.info("KB database upgraded: added %s", ", ".join(added))
    return added
