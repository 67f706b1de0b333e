"""Which of two releases is newer: by semantic version where both names parse as one
(``1.2.3``, ``v1.2.3``, or Sentry's ``package@1.2.3`` with the same package), else by when
each was first seen in the project (a release never seen counts as newest)."""

from __future__ import annotations

from datetime import datetime

import semver
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.clock import as_utc
from warroom.errors.models import Issue, IssueRelease


def parse(name: str) -> tuple[str, semver.Version] | None:
    """(package, version) of a release name that is a semantic version, else None."""
    package, at, version = name.rpartition("@")
    if not at:
        package, version = "", name
    version = version[1:] if version[:1] in ("v", "V") else version
    try:
        return package, semver.Version.parse(version, optional_minor_and_patch=True)
    except (ValueError, TypeError):
        return None


class ReleaseOrder:
    def __init__(self, session: Session, project_id: int) -> None:
        self.session, self.project_id = session, project_id
        self._seen: dict[str, datetime | None] = {}

    def first_seen(self, release: str) -> datetime | None:
        if release not in self._seen:
            found = self.session.scalar(
                select(func.min(IssueRelease.first_seen))
                .join(Issue, Issue.id == IssueRelease.issue_id)
                .where(Issue.project_id == self.project_id, IssueRelease.release == release)
            )
            self._seen[release] = as_utc(found) if found is not None else None
        return self._seen[release]

    def newer(self, a: str, b: str) -> bool:
        """Whether release ``a`` comes after release ``b``."""
        if a == b:
            return False
        left, right = parse(a), parse(b)
        if left is not None and right is not None and left[0] == right[0]:
            return left[1] > right[1]
        seen_a, seen_b = self.first_seen(a), self.first_seen(b)
        if seen_a is None or seen_b is None:
            return seen_a is None and seen_b is not None
        return seen_a > seen_b
