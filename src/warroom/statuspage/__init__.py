"""Status pages: components and their state from open incidents, the comms lead's public
updates, scheduled maintenance, 90-day uptime, and email subscribers (double opt-in, through
the outbox). Only public facts leave this package: the views it builds carry no internal
title, note, label or person."""
