"""Who is on call (schedules, rotations, overrides) and how they are paged (escalation)."""
