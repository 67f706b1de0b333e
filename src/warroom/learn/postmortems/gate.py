"""The close gate: an incident whose severity requires a postmortem closes only once its
postmortem is published, unless an admin overrides with a reason (kept on the postmortem,
so the audit log records who waived it, when and why). Installed by ``warroom.app``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from warroom.auth.models import User
from warroom.config import Config
from warroom.incidents.models import Incident
from warroom.learn.postmortems import policy, service
from warroom.learn.postmortems.models import PostmortemStatus
from warroom.problems import Conflict


class PostmortemGate:
    def check(
        self,
        session: Session,
        config: Config,
        incident: Incident,
        actor: User | None,
        override: str | None,
        now: datetime,
    ) -> None:
        if not policy.required(config, incident):
            return
        postmortem = service.find(session, incident)
        if postmortem is not None and postmortem.status is PostmortemStatus.PUBLISHED:
            return
        if override is not None:
            postmortem, _made = service.ensure_draft(session, config, incident, actor, now)
            postmortem.waived_at = now
            postmortem.waived_by_id = actor.id if actor is not None else None
            postmortem.waived_reason = override
            postmortem.updated_at = now
            return
        state = "is still a draft" if postmortem is not None else "has not been written"
        raise Conflict(
            f"{incident.ref} needs a published postmortem before it closes (severity "
            f"{incident.severity}); its postmortem {state}. An admin may close it anyway "
            "with override_postmortem and a reason.",
            code="postmortem_required",
            field="action",
        )
