"""Issue-tracker sync: action items and incidents kept in GitHub, GitLab, Jira, YouTrack
or a generic webhook (docs/trackers.md)."""
