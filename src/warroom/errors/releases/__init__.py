"""Releases, their commits and deploys; release order, the release gate and deploy suspects.

Releases and deploys come from sentry-cli (``sentry_cli_api.py``, the part of Sentry's web
API it calls), from ``warroom release`` (``api.py``) and from PagerDuty change events that
name a release (``changes.py``).
"""
