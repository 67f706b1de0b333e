"""Blameless postmortems: the draft from the incident, structured sections, revisions,
publishing, search, export, and the close gate that waits for them."""
