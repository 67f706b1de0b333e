"""The service catalog: teams, services and severities, read from the config."""
