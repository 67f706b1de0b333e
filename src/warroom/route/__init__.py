"""Stage 3: ownership, muting (silences, maintenance, inhibition) and alert rules."""
