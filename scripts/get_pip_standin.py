# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the get-pip script that `ansible-test sanity --requirements` downloads.

ansible-test bootstraps pip into each fresh virtual environment by running a get-pip script that it fetches
from a CI file host and caches as ~/.ansible/test/cache/get_pip_<version>.py. Where that host cannot be
reached, scripts/sanity.sh saves this file at that path instead. It does what get-pip does with the pip
configuration of the machine (package index, mirrors, certificates):

1. install the pip bundled with Python (ensurepip) into the running interpreter's environment;
2. drop PIP_CONFIG_FILE, which ensurepip sets to /dev/null and would hide the machine's pip configuration;
3. run `python -m pip install` with the arguments ansible-test passed (the pinned pip), minus the get-pip
   only flags --no-setuptools and --no-wheel.
"""

from __future__ import annotations

import ensurepip
import os
import subprocess
import sys

GET_PIP_ONLY_FLAGS = frozenset({"--no-setuptools", "--no-wheel"})


def pip_install_arguments(argv: list[str]) -> list[str]:
    """Return the pip install arguments for the get-pip arguments `argv` (without the program name)."""
    return [arg for arg in argv if arg not in GET_PIP_ONLY_FLAGS]


def main() -> int:
    ensurepip.bootstrap()
    os.environ.pop("PIP_CONFIG_FILE", None)
    command = [sys.executable, "-m", "pip", "install", *pip_install_arguments(sys.argv[1:])]
    return subprocess.call(command)


if __name__ == "__main__":
    sys.exit(main())
