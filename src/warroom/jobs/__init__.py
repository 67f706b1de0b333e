"""Durable timers: rows with a due time that workers claim, run once, and reschedule."""
