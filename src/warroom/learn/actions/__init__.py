"""Action items: the follow-ups of an incident, owned, dated, reminded and tracked to done."""
