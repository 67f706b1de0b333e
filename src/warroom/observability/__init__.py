"""Structured logs, request middleware and Prometheus metrics."""
