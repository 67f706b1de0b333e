"""Deliveries through an outbox: email, Slack and webhooks, with retries and dead letters."""
