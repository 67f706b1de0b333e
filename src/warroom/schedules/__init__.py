"""Who is on call: schedules, rotation layers, overrides, external calendars and iCal feeds."""
