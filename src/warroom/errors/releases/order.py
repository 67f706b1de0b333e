"""Which of two releases of a project is newer.

By semantic version where both names parse as one — ``1.2.3``, ``v1.2``, or Sentry's
``package@1.2.3`` form when both name the same package — else by when the project first saw
each release: the earliest of when it was recorded for the project (sentry-cli, ``warroom
release new``) and its first event. A release never seen at all counts as the newest.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cmp_to_key

import semver
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.clock import as_utc
from warroom.errors.models import Issue, IssueRelease
from warroom.errors.releases.models import Release, ReleaseProject

PACKAGE_SEPARATOR = "@"
VERSION_PREFIXES = ("v", "V")


def parse(name: str) -> tuple[str, semver.Version] | None:
    """(package, version) of a release name that is a semantic version (at least
    ``major.minor``), else None."""
    package, separator, version = name.rpartition(PACKAGE_SEPARATOR)
    if not separator:
        package, version = "", name
    if version[:1] in VERSION_PREFIXES:
        version = version[1:]
    core = version.split("-", 1)[0].split("+", 1)[0]
    if "." not in core:
        return None  # "7" or "2026-03-02" is a build number or a date, not major.minor
    try:
        return package, semver.Version.parse(version, optional_minor_and_patch=True)
    except (ValueError, TypeError):
        return None


def semver_compare(a: str, b: str) -> int | None:
    """-1, 0 or 1 when both names are semantic versions of the same package, else None."""
    left, right = parse(a), parse(b)
    if left is None or right is None or left[0] != right[0]:
        return None
    return left[1].compare(right[1])


class ReleaseOrder:
    """Release order within one project; first-seen times are read once and cached."""

    def __init__(self, session: Session, project_id: int) -> None:
        self.session = session
        self.project_id = project_id
        self._seen: dict[str, datetime | None] = {}

    def first_seen(self, version: str) -> datetime | None:
        if version not in self._seen:
            recorded = self.session.scalar(
                select(func.min(ReleaseProject.first_seen))
                .join(Release, Release.id == ReleaseProject.release_id)
                .where(ReleaseProject.project_id == self.project_id, Release.version == version)
            )
            evented = self.session.scalar(
                select(func.min(IssueRelease.first_seen))
                .join(Issue, Issue.id == IssueRelease.issue_id)
                .where(Issue.project_id == self.project_id, IssueRelease.release == version)
            )
            seen = [as_utc(moment) for moment in (recorded, evented) if moment is not None]
            self._seen[version] = min(seen) if seen else None
        return self._seen[version]

    def compare(self, a: str, b: str) -> int:
        """Negative when ``a`` is older than ``b``, 0 when the same, positive when newer."""
        if a == b:
            return 0
        by_version = semver_compare(a, b)
        if by_version is not None and by_version != 0:
            return by_version
        seen_a, seen_b = self.first_seen(a), self.first_seen(b)
        if seen_a is None or seen_b is None:
            return (seen_a is None) - (seen_b is None)
        return (seen_a > seen_b) - (seen_a < seen_b)

    def newer(self, a: str, b: str) -> bool:
        """Whether release ``a`` comes after release ``b``."""
        return self.compare(a, b) > 0

    def newest(self, versions: Iterable[str]) -> str | None:
        best: str | None = None
        for version in versions:
            if best is None or self.newer(version, best):
                best = version
        return best

    def ordered(self, versions: Iterable[str]) -> list[str]:
        """Oldest first."""
        return sorted(set(versions), key=cmp_to_key(self.compare))
