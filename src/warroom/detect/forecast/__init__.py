"""Capacity forecasts: when a series' trend, with its daily or weekly cycle, crosses a limit."""
