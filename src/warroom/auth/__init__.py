"""Users, API tokens and permissions."""
