"""warroom: incident management, from the first alert to the last postmortem action item."""

__version__ = "0.1.0"
