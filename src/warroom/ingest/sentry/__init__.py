"""Sentry SDK intake: envelopes and legacy store requests, authenticated by DSN key, bounded,
rate limited per project and key, made durable as error items for the worker."""
