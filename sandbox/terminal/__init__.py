"""Learners' terminals: a shell or a Python prompt in the workspace (``manager``), started through a
small launcher (``child``), with the learner's own Python (``environment``, ``packages``).

Nothing is imported here, so the launcher, which imports ``sandbox.terminal.child``, stays small.
"""
