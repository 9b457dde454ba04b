"""The learner's own app, live: the preview child and its manager, and the tools beside it (request
inspector, database browser)."""
