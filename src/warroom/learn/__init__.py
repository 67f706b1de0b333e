"""Learning from incidents: postmortems, action items, tracker sync, insights, game days."""
