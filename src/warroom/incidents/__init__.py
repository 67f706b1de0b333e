"""Incidents: lifecycle, roles, timeline, status updates."""
