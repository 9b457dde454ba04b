"""The result of checking a step, as plain data the web page and the CLI render.

A learner's failing code is a result, never an exception: every outcome of a check
(passed, failed, timed out, over a limit, cancelled, or a sandbox fault) is a CheckResult.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields


@dataclass
class TestOutcome:
    """One test of a step's checks, as the learner sees it."""

    __test__ = False  # not a pytest test class, despite the name

    name: str  # pytest node id, e.g. "test_hello.py::test_home_page"
    title: str  # friendly name: the test docstring's first line, or the function name
    outcome: str  # passed | failed | error | skipped
    message: str = ""  # what the learner reads (the assert message)
    file: str | None = None  # learner file relative to the workspace, when the failure points into it
    line: int | None = None
    detail: str = ""  # full pytest report text, one click away
    duration_ms: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TestOutcome:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class CheckResult:
    """Everything one run of a step's checks produced."""

    passed: bool
    tests: list[TestOutcome] = field(default_factory=list)
    duration_ms: float = 0.0
    output_tail: str = ""  # the last part of what the check printed
    timed_out: bool = False
    limited: str | None = None  # "memory", "output", "processes", "disk", "crashed"
    cancelled: bool = False
    error: str | None = None  # a fault of the sandbox itself, as one sentence

    @property
    def failures(self) -> list[TestOutcome]:
        return [t for t in self.tests if t.outcome in ("failed", "error")]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["tests"] = [t.to_dict() for t in self.tests]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> CheckResult:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["tests"] = [TestOutcome.from_dict(t) for t in data.get("tests", [])]
        return cls(**values)

    @classmethod
    def fault(cls, message: str, duration_ms: float = 0.0) -> CheckResult:
        """The sandbox could not run the check at all."""
        return cls(passed=False, error=message, duration_ms=duration_ms)


def decide_passed(tests: list[TestOutcome]) -> bool:
    """Passed means: something was checked, and nothing failed."""
    if not any(t.outcome == "passed" for t in tests):
        return False
    return all(t.outcome in ("passed", "skipped") for t in tests)


def headline(result: dict) -> str:
    """The one sentence that heads a check result, wherever it is shown (page, watch mode, bench).

    ``result`` is ``CheckResult.to_dict()``, possibly with more keys.
    """
    tests = result.get("tests") or []
    if result.get("error"):
        return f"The sandbox could not run your check. {result['error']}"
    if result.get("cancelled"):
        return "That check was replaced by a newer one."
    if result.get("check_fault"):  # the step's check misbehaves on the reference solution too
        return result["check_fault"]
    if result.get("timed_out"):
        return "Your code took too long (over the time limit), so the check was stopped. Look for a loop that never ends."
    if result.get("limited"):
        return (f"Your code hit a limit ({result['limited']}), so the check was stopped. "
                "Look for something that grows without end.")
    if result.get("passed"):
        return "All checks passed."
    passed = sum(1 for t in tests if t.get("outcome") == "passed")
    return f"Not yet: {passed} of {len(tests)} checks passed."
