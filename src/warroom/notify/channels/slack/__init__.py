"""Slack: deliveries through the Web API, incident channels, slash commands and buttons."""
