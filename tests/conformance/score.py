#!/usr/bin/env python3
"""Score a verbose iscsi-test-cu (CUnit "basic" mode) log.

usage: score.py LOG [--list]

Every test in the log is classified as
  pass  CUnit reported it passed and its own output has no "[SKIPPED]",
  skip  CUnit reported it passed but its output contains "[SKIPPED]",
  fail  CUnit reported it failed, or the log ends before its result.

How the log is laid out (CUnit basic mode, everything on stdout):
  "\\nSuite: NAME"            printed when a suite starts (after its init),
  "\\n  Test: NAME ..."       printed when a test starts; the test's own
                             output follows, possibly on the same line,
  "passed" | "FAILED"        printed right after the test's output, not
                             followed by a newline; after FAILED come
  "\\n    N. file:line  - assertion" lines, one per failed assertion.
Whatever comes after the result on the same line (or between the result and
the next "Test:"/"Suite:" header) was printed by suite cleanup / suite init,
not by the test, and is not attributed to it.

With --list every test is printed as "STATUS Suite.Test  first-message".
The last line is always "conformance: P pass, F fail, S skip of T".
"""
import re
import sys

SUITE_RE = re.compile(r"^Suite: (\S+)")
TEST_RE = re.compile(r"^  Test: (\S+) \.\.\.(.*)$")
ASSERT_RE = re.compile(r"^\s+\d+\. (\S+:\d+\s+-\s+.*)$")
# End of run: CUnit's summary table.
SUMMARY_RE = re.compile(r"^Run Summary:")


def _first_message(status, out, asserts):
    """The most useful single line explaining a fail or skip."""
    lines = [l.strip() for l in out if l.strip()]
    if status == "skip":
        return next((l for l in lines if "[SKIPPED]" in l), "")
    if status == "fail":
        failed = next((l for l in lines if "[FAILED]" in l), None)
        if failed:
            return failed
        if asserts:
            # cleanup output can run on after the assertion text
            return re.split(r"\s{2,}\[", asserts[0])[0].strip()
        return lines[0] if lines else ""
    return ""


def parse(text):
    """Returns [(suite.test, status, first message)] in log order."""
    results = []
    suite = "?"
    cur = None          # name of the test whose output we are collecting
    out = []            # its output lines
    asserts = None      # list while collecting assertion lines after FAILED
    last_failed = None  # index into results of the last failed test

    def finish(status, trailing=""):
        nonlocal cur, out
        st = status
        if st == "passed":
            st = "skip" if any("[SKIPPED]" in l for l in out) else "pass"
        else:
            st = "fail"
        results.append([cur, st, out, []])
        cur, out = None, []
        return len(results) - 1

    def take_result(rest):
        """rest starts where a result may be printed; returns True if it was."""
        nonlocal last_failed, asserts
        if rest.startswith("passed"):
            finish("passed")
            asserts = None
            return True
        if rest.startswith("FAILED"):
            last_failed = finish("FAILED")
            asserts = results[last_failed][3]
            return True
        return False

    for line in text.splitlines():
        m = SUITE_RE.match(line)
        if m:
            if cur is not None:  # a test without a result: treat as failed
                out.append("(no result printed before next suite)")
                finish("FAILED")
            suite = m.group(1)
            asserts = None
            continue
        m = TEST_RE.match(line)
        if m:
            if cur is not None:
                out.append("(no result printed before next test)")
                finish("FAILED")
            cur = f"{suite}.{m.group(1)}"
            out = []
            asserts = None
            rest = m.group(2)
            if not take_result(rest):
                out.append(rest)
            continue
        if SUMMARY_RE.match(line):
            if cur is not None:
                out.append("(no result printed before the run summary)")
                finish("FAILED")
            asserts = None
            continue
        if cur is not None:
            if take_result(line):
                continue
            out.append(line)
            continue
        if asserts is not None:
            am = ASSERT_RE.match(line)
            if am:
                asserts.append(am.group(1))
                continue
            asserts = None
        # anything else is suite init/cleanup chatter: ignored
    if cur is not None:
        out.append("(log ends before the test's result: run aborted?)")
        finish("FAILED")
    return [(n, st, _first_message(st, o, a)) for n, st, o, a in results]


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    with open(args[0], errors="replace") as f:
        res = parse(f.read())
    if "--list" in argv:
        for name, st, note in res:
            print(f"{st:5} {name}  {note[:200]}")
    p = sum(1 for r in res if r[1] == "pass")
    fl = sum(1 for r in res if r[1] == "fail")
    s = sum(1 for r in res if r[1] == "skip")
    print(f"conformance: {p} pass, {fl} fail, {s} skip of {len(res)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
