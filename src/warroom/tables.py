"""Every table of warroom in one metadata, for Alembic and for whoever needs them all.

This module sits in the top layer because it imports every domain's models; the core
(``warroom.db``) never imports it. ``warroom.db.migrate.alembic_config`` takes the metadata
from here when a caller wants autogenerate (see docs/development.md).
"""

from warroom.alerts import models as alert_models
from warroom.auth import audit_models
from warroom.auth import models as auth_models
from warroom.db.base import Base
from warroom.detect.metrics import models as metric_models
from warroom.errors import health_models
from warroom.errors import models as error_models
from warroom.errors.releases import models as release_models
from warroom.escalation import models as escalation_models
from warroom.incidents import models as incident_models
from warroom.ingest import models as ingest_models
from warroom.ingest.sentry import models as sentry_models
from warroom.jobs import models as job_models
from warroom.learn.actions import models as action_models
from warroom.learn.postmortems import models as postmortem_models
from warroom.learn.trackers import models as tracker_models
from warroom.notify import models as notify_models
from warroom.schedules import models as schedule_models
from warroom.statuspage import models as statuspage_models

metadata = Base.metadata

__all__ = [
    "Base",
    "action_models",
    "alert_models",
    "audit_models",
    "auth_models",
    "error_models",
    "escalation_models",
    "health_models",
    "incident_models",
    "ingest_models",
    "job_models",
    "metadata",
    "metric_models",
    "notify_models",
    "postmortem_models",
    "release_models",
    "schedule_models",
    "sentry_models",
    "statuspage_models",
    "tracker_models",
]
