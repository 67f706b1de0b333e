"""Insights: response times, incident load, alert noise, on-call health, detection review."""
