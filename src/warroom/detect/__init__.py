"""Early warning beside the pipeline: missed heartbeats (and later anomalies, SLOs, forecasts)."""
