"""Lesson packs: the format, reading and validating, installing, the catalog, building and `pack check`."""
