"""The ``/warroom`` slash command.

    /warroom declare <title> [--sev SEV2] [--team payments]
    /warroom ack [INC-n]
    /warroom sev [INC-n] SEV1
    /warroom role [INC-n] lead|fixer|comms @user
    /warroom update [INC-n] <text>
    /warroom resolve [INC-n]
    /warroom help

In an incident's dedicated channel the incident may be left out. Changes are answered in the
channel (``response_type: in_channel``); help and refusals only to the person who typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from warroom.auth import audit
from warroom.auth.models import User
from warroom.config import Config, ContactKind
from warroom.incidents import actions, people, service, updates
from warroom.incidents.commands import DeclareIncident
from warroom.incidents.enums import Audience, IncidentRole
from warroom.incidents.models import Incident
from warroom.notify.channels.slack import actions as slack_actions
from warroom.notify.channels.slack.blocks import unescape
from warroom.notify.channels.slack.channels import incident_of_channel
from warroom.notify.channels.slack.identity import NotLinked, acting_user, user_of_person
from warroom.problems import InvalidInput, NotFound, WarroomError

HELP = """*`/warroom` commands*
`/warroom declare <title> [--sev SEV2] [--team payments]` declare an incident
`/warroom ack [INC-n]` acknowledge (stops the escalation)
`/warroom sev [INC-n] SEV1` change the severity
`/warroom role [INC-n] lead|fixer|comms @someone` give a role
`/warroom update [INC-n] <text>` post a status update
`/warroom resolve [INC-n]` resolve
In an incident's own channel the INC-n may be left out."""

EXPLICIT_REF = re.compile(r"^INC-\d+$", re.IGNORECASE)
MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
FLAG_NAMES = {"--sev": "severity", "--severity": "severity", "--team": "team"}


@dataclass(frozen=True)
class SlashCommand:
    """The fields of Slack's slash-command request that warroom uses."""

    user_id: str
    channel_id: str
    channel_name: str
    text: str


def ephemeral(text: str) -> dict[str, Any]:
    return {"response_type": "ephemeral", "text": text}


def in_channel(text: str) -> dict[str, Any]:
    return {"response_type": "in_channel", "text": text}


def run(session: Session, config: Config, command: SlashCommand, now: datetime) -> dict[str, Any]:
    """Carry out the command and commit; the JSON to answer Slack with."""
    words = command.text.split()
    verb = words[0].lower() if words else "help"
    handler = HANDLERS.get(verb)
    if handler is None:
        return ephemeral(f"Unknown command `{verb}`.\n{HELP}")
    if verb == "help":
        return ephemeral(HELP)
    try:
        user = acting_user(session, config, command.user_id, now)
        audit.act_as(session, audit.Actor(user.username, audit.VIA_SLACK))
        answer = handler(session, config, user, command, words[1:], now)
    except NotLinked as exc:
        session.rollback()
        return ephemeral(str(exc))
    except WarroomError as exc:
        session.rollback()
        return ephemeral(f"Could not {verb}: {exc.message}")
    session.commit()
    return in_channel(answer)


def _incident(
    session: Session, command: SlashCommand, args: list[str]
) -> tuple[Incident, list[str]]:
    """The incident named first in ``args`` (INC-n), else the channel's; and the rest."""
    if args and EXPLICIT_REF.match(args[0]):
        return service.lock(session, args[0]), args[1:]
    implied = incident_of_channel(session, command.channel_id)
    if implied is not None:
        return service.lock(session, implied.number), args
    if args and args[0].isdecimal() and args[0].isascii():
        return service.lock(session, args[0]), args[1:]
    raise InvalidInput(
        "name the incident, like INC-12 (or type it in the incident's channel)", field="ref"
    )


def _declare(
    session: Session,
    config: Config,
    user: User,
    command: SlashCommand,
    args: list[str],
    now: datetime,
) -> str:
    fields: dict[str, str] = {}
    title_words: list[str] = []
    position = 0
    while position < len(args):
        word = args[position]
        if word.lower() in FLAG_NAMES:
            if position + 1 >= len(args):
                raise InvalidInput(f"{word} needs a value", field=FLAG_NAMES[word.lower()])
            fields[FLAG_NAMES[word.lower()]] = args[position + 1]
            position += 2
            continue
        title_words.append(word)
        position += 1
    title = unescape(" ".join(title_words)).strip().strip("\"'“”").strip()
    if not title:
        raise InvalidInput("give a title: /warroom declare <title> [--sev SEV2]", field="title")
    team = fields.get("team") or _team_of_channel(config, command) or _team_of_person(config, user)
    if team is None:
        raise InvalidInput("give the owning team with --team <slug>", field="team")
    severity = fields.get("severity")
    data = DeclareIncident(title=title, team=team, severity=severity.upper() if severity else None)
    incident = service.declare(session, config, user, data, now)
    return f"{user.username} declared {incident.ref} ({incident.severity}, team {team}): {title}"


def _team_of_channel(config: Config, command: SlashCommand) -> str | None:
    names = {command.channel_id, f"#{command.channel_name}", command.channel_name}
    for team in config.teams:
        for contact in team.contacts:
            if contact.kind is ContactKind.SLACK_CHANNEL and contact.target in names:
                return team.slug
    return None


def _team_of_person(config: Config, user: User) -> str | None:
    """The team of the only schedule-owning team the person is on call for, if unambiguous."""
    teams = {
        schedule.team
        for schedule in config.schedules
        if any(user.username in layer.participants for layer in schedule.layers)
    }
    return teams.pop() if len(teams) == 1 else None


def _ack(
    session: Session,
    config: Config,
    user: User,
    command: SlashCommand,
    args: list[str],
    now: datetime,
) -> str:
    incident, _rest = _incident(session, command, args)
    return slack_actions.acknowledge(session, config, user, incident, now)


def _resolve(
    session: Session,
    config: Config,
    user: User,
    command: SlashCommand,
    args: list[str],
    now: datetime,
) -> str:
    incident, _rest = _incident(session, command, args)
    return slack_actions.resolve(session, config, user, incident, now)


def _severity(
    session: Session,
    config: Config,
    user: User,
    command: SlashCommand,
    args: list[str],
    now: datetime,
) -> str:
    incident, rest = _incident(session, command, args)
    if len(rest) != 1:
        raise InvalidInput("give one severity: /warroom sev INC-12 SEV1", field="severity")
    old = incident.severity
    actions.change_severity(session, config, user, incident, rest[0].upper(), now)
    return f"{user.username} changed {incident.ref} from {old} to {incident.severity}"


def _role(
    session: Session,
    config: Config,
    user: User,
    command: SlashCommand,
    args: list[str],
    now: datetime,
) -> str:
    incident, rest = _incident(session, command, args)
    if len(rest) != 2:
        raise InvalidInput("usage: /warroom role INC-12 lead|fixer|comms @someone", field="role")
    try:
        role = IncidentRole(rest[0].lower())
    except ValueError:
        known = ", ".join(r.value for r in IncidentRole)
        raise InvalidInput(f"unknown role '{rest[0]}' (known: {known})", field="role") from None
    holder = _user_named(session, config, rest[1], now)
    people.assign_role(session, user, incident, role, holder, now)
    return f"{holder.username} is now the {role.value} of {incident.ref} (set by {user.username})"


def _user_named(session: Session, config: Config, text: str, now: datetime) -> User:
    """``<@U123|name>`` (an escaped mention), ``@username`` or ``username``."""
    mention = MENTION.match(text)
    if mention is not None:
        try:
            return acting_user(session, config, mention.group(1), now)
        except NotLinked:
            raise NotFound(
                f"the Slack user {mention.group(1)} is not linked to a warroom person",
                field="user",
            ) from None
    username = text.removeprefix("@").lower()
    person = config.person(username)
    if person is not None:
        return user_of_person(session, person, now)
    return people.find_user(session, username)


def _update(
    session: Session,
    config: Config,
    user: User,
    command: SlashCommand,
    args: list[str],
    now: datetime,
) -> str:
    incident, rest = _incident(session, command, args)
    text = unescape(" ".join(rest)).strip()
    if not text:
        raise InvalidInput("give the update's text: /warroom update INC-12 <text>", field="text")
    updates.post_update(session, config, user, incident, text, Audience.INTERNAL, now)
    return f"Update on {incident.ref} by {user.username}: {text}"


def _help(*_args: Any) -> str:
    return HELP


HANDLERS = {
    "help": _help,
    "declare": _declare,
    "ack": _ack,
    "acknowledge": _ack,
    "sev": _severity,
    "severity": _severity,
    "role": _role,
    "update": _update,
    "resolve": _resolve,
}
