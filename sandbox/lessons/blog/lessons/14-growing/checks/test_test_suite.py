import pytest


class Results:
    def __init__(self):
        self.passed, self.failed = [], []

    def pytest_runtest_logreport(self, report):
        if report.failed:
            message = (report.longreprtext or "").strip().splitlines()
            self.failed.append((report.nodeid.split("::")[-1], message[-1] if message else "it failed"))
        elif report.passed and report.when == "call":
            self.passed.append(report.nodeid)


def test_your_tests_pass(request, workspace, tmp_path):
    """Your tests run and pass against your blog"""
    tests = workspace / "tests" / "test_app.py"
    if not tests.is_file():
        pytest.fail("There is no tests/test_app.py in your lesson folder yet: press New file in the Files panel "
                    "and type tests/test_app.py, which makes the tests folder too.", pytrace=False)
    request.getfixturevalue("app")  # puts your workspace on the import path
    config = tmp_path / "pytest.ini"
    config.write_text("[pytest]\n")
    results = Results()
    code = pytest.main([str(tests), "-q", "-c", str(config), "--rootdir", str(workspace),
                        "-p", "no:cacheprovider"], plugins=[results])
    assert int(code) != 4, (
        "pytest could not run tests/test_app.py. Run python -m pytest in the Terminal tab to see why.")
    for name, message in results.failed:
        pytest.fail(f"Your test {name} failed against the working blog: {message}", pytrace=False)
    assert int(code) != 2 or results.passed, (
        "tests/test_app.py could not be loaded (is there an error in it?). Run python -m pytest in the Terminal "
        "tab to see the details.")
    assert len(results.passed) >= 3, (
        f"tests/test_app.py has {len(results.passed)} passing test(s). Write at least 3 test functions "
        "(their names start with test_), for example the home page, a published article, and a hidden draft.")
