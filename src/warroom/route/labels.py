"""The labels rules match on: the alert's own labels plus warroom's pseudo-labels."""

from __future__ import annotations

from warroom.alerts.models import Alert


def match_labels(alert: Alert) -> dict[str, str]:
    labels = dict(alert.labels or {})
    labels.setdefault("alertname", alert.title)
    pseudo = {
        "source": alert.source.value,
        "integration": alert.integration,
        "severity": alert.severity,
        "environment": alert.environment,
        "team": alert.team,
        "service": alert.service,
    }
    for key, value in pseudo.items():
        if value:
            labels[key] = value
    return labels
