"""The signal pipeline: the stages after ingest, composed."""
