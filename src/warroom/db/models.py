"""Imports every domain's models so the metadata is complete (for Alembic)."""

from warroom.auth import models as auth_models
from warroom.db.base import Base
from warroom.incidents import models as incident_models

__all__ = ["Base", "auth_models", "incident_models"]
