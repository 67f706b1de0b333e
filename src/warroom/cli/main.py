"""Assembles the ``warroom`` command from its groups."""

from __future__ import annotations

import typer

from warroom.cli import (
    actions,
    alerts,
    audit,
    deliveries,
    drills,
    errors,
    heartbeat,
    incident,
    insights,
    local,
    monitors,
    oncall,
    postmortems,
    release,
    serve,
    slos,
)

app = typer.Typer(
    name="warroom",
    help="warroom: incident management, from the first alert to the last action item.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("serve")(serve.serve)
app.command("worker")(serve.worker)
app.command("backup")(local.backup_command)
app.command("restore")(local.restore_command)
app.add_typer(local.db_app, name="db")
app.add_typer(local.config_app, name="config")
app.add_typer(local.users_app, name="users")
app.add_typer(local.tokens_app, name="tokens")
app.add_typer(incident.app, name="incident")
app.add_typer(alerts.alerts_app, name="alerts")
app.add_typer(alerts.silence_app, name="silence")
app.add_typer(alerts.maintenance_app, name="maintenance")
app.add_typer(alerts.integrations_app, name="integrations")
app.add_typer(heartbeat.app, name="heartbeat")
app.add_typer(insights.app, name="insights")
app.add_typer(drills.app, name="drills")
app.add_typer(postmortems.app, name="postmortems")
app.add_typer(actions.app, name="actions")
app.add_typer(monitors.app, name="monitors")
app.add_typer(slos.app, name="slos")
app.add_typer(oncall.app, name="oncall")
app.add_typer(deliveries.app, name="deliveries")
app.add_typer(errors.errors_app, name="errors")
app.add_typer(errors.projects_app, name="projects")
app.add_typer(release.app, name="release")
app.add_typer(audit.app, name="audit")


def main() -> None:
    app()
