import os

# Before Django reads its settings: a test run is neither the demo nor production.
os.environ.setdefault("WENMING_TESTING", "1")


def pytest_terminal_summary(terminalreporter):
    """The hostile-input suite's counts (issue 12), when it ran: inputs tried and answers 5xx."""
    import sys

    hostile = sys.modules.get("wenming.common.tests.hostile")
    if hostile is not None and hostile.COUNTS["inputs"]:
        counts = hostile.COUNTS
        terminalreporter.write_line(f"hostile input: {counts['inputs']} inputs tried, {counts['5xx']} answered 5xx")
    # The authorization matrix's counts (issue 12), when it ran.
    matrix = sys.modules.get("wenming.common.tests.matrix")
    if matrix is not None and matrix.STATS["cells"]:
        terminalreporter.write_line(matrix.summary())
