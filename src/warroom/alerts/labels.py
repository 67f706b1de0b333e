"""The labels rules match on: the alert's own labels plus warroom's pseudo-labels."""

from __future__ import annotations

from warroom.alerts.state import AlertRow


def match_labels(alert: AlertRow) -> dict[str, str]:
    """The alert's own labels (``alertname`` defaulting to its title) and the pseudo-labels:

    - ``source`` (the kind of integration) and ``integration`` (its slug), unless the alert
      has a label of that name: a PagerDuty event's ``payload.source`` is its label
      ``source``, and a silence on a host must be able to match it;
    - ``severity``, ``environment``, ``team`` and ``service`` as warroom made them (the
      routed owner, not a label naming an unknown team), replacing labels of the same name.
    """
    labels = dict(alert.labels or {})
    labels.setdefault("alertname", alert.title)
    if alert.source:
        labels.setdefault("source", alert.source.value)
    if alert.integration:
        labels.setdefault("integration", alert.integration)
    decided = {
        "severity": alert.severity,
        "environment": alert.environment,
        "team": alert.team,
        "service": alert.service,
    }
    for key, value in decided.items():
        if value:
            labels[key] = value
    return labels
