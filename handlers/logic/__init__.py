"""The use cases: what the entry points call once they have parsed their input."""
