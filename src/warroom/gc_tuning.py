"""Garbage-collector settings for a long-running serving process.

A serving process holds a few hundred thousand long-lived objects (modules, SQLAlchemy's
mappers and compiled statements, the configuration), and ingest allocates thousands of
short-lived containers per request (a 64-alert Alertmanager body parses into ~700). With
Python's defaults (a collection every 700 net allocations, a full one every 100 of those)
the collector ran many times per second and kept re-scanning the long-lived heap: at batch
64 it showed up as a third of the event loop's time, inside ``orjson.loads``.

``tune_for_serving`` moves everything alive at startup out of the collector's sight
(``gc.freeze``: those objects live as long as the process) and makes young collections
rarer. Cyclic garbage is still collected, in bigger and fewer passes. Measured with
``bench/ingest``'s load (wrk, 64 connections, 6 s runs): at batch 64, 2,457-2,650 requests
with the defaults, 2,855-2,866 with the freeze alone, 2,983-3,292 with the freeze and
young thresholds of 10,000-50,000; at batch 1, three interleaved pairs, defaults vs these
settings: 19,331 vs 19,435, 17,376 vs 19,764, 21,289 vs 22,548.
"""

from __future__ import annotations

import gc

THRESHOLDS = (10_000, 20, 100)
"""Young collections after 10,000 net allocations (Python: 700); the middle generation every
20 young ones (10), the oldest every 100 middle ones (10)."""


def tune_for_serving() -> None:
    """Call once the process has built what it keeps (the app, its engine), before serving."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
