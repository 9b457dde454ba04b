"""Running a step's checks: a warm worker forks a limited child per check; results come back as data.

Pack authors write pytest tests with the fixtures in ``sandbox.checker.plugin``.
"""

from sandbox.checker.results import CheckResult, TestOutcome
from sandbox.checker.runner import CheckRunner, run_check_once

__all__ = ["CheckResult", "CheckRunner", "TestOutcome", "run_check_once"]
