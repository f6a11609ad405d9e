"""Persistence: SQLAlchemy models, the unit of work, reports and migrations."""

from .engine import describe, open_engine, resolve_url, sqlite_path, to_url
from .uow import SqlUnitOfWork

__all__ = ["SqlUnitOfWork", "describe", "open_engine", "resolve_url", "sqlite_path", "to_url"]
