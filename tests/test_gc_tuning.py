"""A serving process tunes the garbage collector once, before it serves."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from warroom.gc_tuning import THRESHOLDS, tune_for_serving


@pytest.fixture
def restored_gc() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


@pytest.mark.usefixtures("restored_gc")
def test_the_startup_heap_is_frozen_and_young_collections_are_rarer() -> None:
    kept = [object() for _ in range(10)]  # what the process built before serving
    tune_for_serving()
    assert gc.get_freeze_count() >= len(kept)
    assert gc.get_threshold() == THRESHOLDS
    assert THRESHOLDS[0] > 700  # Python's default young threshold
