#!/usr/bin/env python3
"""Watches one compile to its end and prints one JSON line of figures:

    {"client":"python","events":N,"seconds":S,"events_per_second":E,
     "cpu_seconds_per_1000_events":C}

`events` counts the logged events delivered (markers excluded); CPU is the
process's user + system time over the watch. Needs the cxone_compile
package importable (installed, or PYTHONPATH=client/python).

Usage: watch_throughput.py --server HOST:PORT --name flows/F/compiles/ID
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

import cxone_compile


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True, help="the gateway, HOST:PORT")
    parser.add_argument("--name", required=True, help="the compile to watch")
    parser.add_argument(
        "--after-sequence",
        type=int,
        default=None,
        help="replay the events after this one (0: all) instead of a snapshot",
    )
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds the watch may take"
    )
    args = parser.parse_args()

    with cxone_compile.Client(args.server) as client:
        events = 0
        cpu_before = cpu_seconds()
        began = time.monotonic()
        for _ in client.watch(
            args.name, after_sequence=args.after_sequence, timeout=args.timeout
        ):
            events += 1
        seconds = time.monotonic() - began
        cpu = cpu_seconds() - cpu_before
    print(
        json.dumps(
            {
                "client": "python",
                "events": events,
                "seconds": round(seconds, 6),
                "events_per_second": round(events / seconds, 3) if seconds > 0 else 0,
                "cpu_seconds_per_1000_events": (
                    round(cpu * 1000 / events, 6) if events else 0
                ),
            },
            separators=(",", ":"),
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
