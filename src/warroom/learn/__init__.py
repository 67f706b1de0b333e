"""Learning from incidents: insights and the alert noise report."""
