"""Imports every domain's models so the metadata is complete (for Alembic)."""

from warroom.alerts import models as alert_models
from warroom.auth import models as auth_models
from warroom.db.base import Base
from warroom.detect import models as detect_models
from warroom.incidents import models as incident_models
from warroom.ingest import models as ingest_models
from warroom.jobs import models as job_models
from warroom.notify import models as notify_models
from warroom.oncall import models as oncall_models

__all__ = [
    "Base",
    "alert_models",
    "auth_models",
    "detect_models",
    "incident_models",
    "ingest_models",
    "job_models",
    "notify_models",
    "oncall_models",
]
