"""How the people on call are paged: policies, steps, pages, reminders, response windows."""
