"""Sentry-compatible error tracking: normalise events, group them into issues, track
releases, sessions and check-ins."""
