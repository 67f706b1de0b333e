"""Metric stores behind :class:`warroom.detect.series.SeriesSource`."""
