"""Alerts as people see them: list, show, silences, maintenance windows, service changes."""
