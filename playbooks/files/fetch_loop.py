# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fetches one URL again and again for a while and says how long it went unanswered.

Run inside a client of the lab (python3 fetch_loop.py URL SECONDS INTERVAL TIMEOUT): every INTERVAL seconds a
new connection fetches URL (its name resolved anew each time, with TIMEOUT seconds for the whole request),
for SECONDS seconds. Prints one JSON object: how many requests were made and failed, the longest time between
two answered requests (the traffic lost when a link dies), when that gap began (seconds from the start) and the
first error seen in it.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.request


def fetch(url: str, timeout: float) -> str | None:
    """None when the page came back with status 200, else the error."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310 (the lab's own http URL)
            answer.read()
            return None if answer.status == 200 else f"status {answer.status}"
    except OSError as exc:
        return str(exc)


def main() -> int:
    url, seconds, interval, timeout = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    # No proxy from the environment: the page is fetched straight from the replica.
    urllib.request.install_opener(urllib.request.build_opener(urllib.request.ProxyHandler({})))
    start = time.monotonic()
    last_ok: float | None = None
    longest, longest_at, first_error = 0.0, None, None
    error_in_gap = None
    requests = failures = 0
    while time.monotonic() - start < seconds:
        began = time.monotonic()
        error = fetch(url, timeout)
        requests += 1
        now = time.monotonic()
        if error is None:
            if last_ok is not None and now - last_ok > longest:
                longest, longest_at, first_error = now - last_ok, last_ok - start, error_in_gap
            last_ok, error_in_gap = now, None
        else:
            failures += 1
            error_in_gap = error_in_gap or error
        time.sleep(max(0.0, interval - (time.monotonic() - began)))
    # A gap still open at the end counts too: the page never came back.
    end = time.monotonic()
    if last_ok is None or (error_in_gap and end - last_ok > longest):
        since = start if last_ok is None else last_ok
        longest, longest_at, first_error = end - since, since - start, error_in_gap
    json.dump({"url": url, "requests": requests, "failures": failures, "longest_gap": round(longest, 3),
               "gap_began": None if longest_at is None else round(longest_at, 3), "error": first_error,
               "answered_at_end": error_in_gap is None}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
