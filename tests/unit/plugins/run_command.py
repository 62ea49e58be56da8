# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real program runner with AnsibleModule.run_command's shape, for cores that take the module's."""

from __future__ import annotations

import subprocess


def run_command(argv: list[str], cwd: str | None = None) -> tuple[int, str, str]:
    """Run `argv` (in `cwd`) and return (rc, stdout, stderr), as AnsibleModule.run_command does."""
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, cwd=cwd)
    return proc.returncode, proc.stdout, proc.stderr
