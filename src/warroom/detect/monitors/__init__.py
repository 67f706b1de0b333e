"""Monitors: configured metric queries watched by a detector, raising ordinary signals."""
