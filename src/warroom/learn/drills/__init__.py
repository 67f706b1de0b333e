"""Game days: drills injected through the real intake paths, measured and scored."""
