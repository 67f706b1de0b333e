"""warroom's embedded metric store: remote-write and JSON push in, PromQL subset out."""
