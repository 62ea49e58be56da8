# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The benchmarks' memory figures: where the probe is (HOOK_DIR, a sitecustomize.py to put on a module
process's PYTHONPATH with BENCH_RSS_OUT set) and the peak of the processes of one module among its records.

Imported by bench/dns and bench/farm (the scripts directory put on sys.path); not run by itself.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

HOOK_DIR = Path(__file__).resolve().parent / "bench_rss_hook"


def is_of(record: dict[str, Any], module: str) -> bool:
    """Whether a record is of ``module``: a FQCN (palmfarm.ipv6.dns_aaaa) or a short name (dns_aaaa), matched
    against the name Ansible passed, else against the basename of the script run directly."""
    name = record.get("module")
    if name:
        return name == module or name.rsplit(".", 1)[-1] == module.rsplit(".", 1)[-1]
    return module.rsplit(".", 1)[-1] in os.path.basename(str(record.get("argv0") or ""))


def peak_mb(path: str | os.PathLike[str], module: str) -> float | None:
    """The largest peak resident set, in MB (one decimal), of the processes of ``module`` recorded in ``path``;
    None when none was."""
    try:
        with open(path, encoding="utf-8") as handle:
            records = [json.loads(line) for line in handle if line.strip()]
    except FileNotFoundError:
        return None
    peaks = [r["vmhwm_kb"] for r in records if is_of(r, module)]
    return round(max(peaks) / 1024, 1) if peaks else None
