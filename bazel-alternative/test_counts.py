#!/usr/bin/python3
"""Prints `bazel: N passed, N failed` from a bazel test run's events.

Usage: test_counts.py BUILD_EVENTS_JSON (bazel's --build_event_json_file)

One test target counts once, whatever its runs and shards: passed when its
summary says PASSED, failed otherwise (failed, timed out, not built).
"""

import json
import sys


def main(events_path):
    passed = failed = 0
    with open(events_path) as events:
        for line in events:
            summary = json.loads(line).get("testSummary")
            if summary is None:
                continue
            if summary.get("overallStatus") == "PASSED":
                passed += 1
            else:
                failed += 1
    print(f"bazel: {passed} passed, {failed} failed")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
