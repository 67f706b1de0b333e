"""Stage 2: a signal joins its open alert (dedup) or opens one; flapping."""
