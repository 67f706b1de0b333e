"""Chat integrations: Slack (signed slash command and buttons, dedicated incident channels)."""
