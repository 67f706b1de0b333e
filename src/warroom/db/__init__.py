"""Storage: engine, sessions, base model and migrations."""

from warroom.db.base import Base, UTCDateTime
from warroom.db.engine import make_engine, make_session_factory

__all__ = ["Base", "UTCDateTime", "make_engine", "make_session_factory"]
