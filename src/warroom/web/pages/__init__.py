"""One module per area of the app; each has a ``router`` of PageRoute routes."""
