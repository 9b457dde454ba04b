"""Classroom features: learner profiles on a shared computer, progress reports, the gradebook and charts."""
