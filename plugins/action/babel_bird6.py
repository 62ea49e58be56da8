# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for palmfarm.ipv6.babel_bird6: runs the module where the host has Python, else does its work from
the controller through the shell alone (OpenWrt routers without Python).

The controller path renders with the same code as the module (module_utils/_bird/config.py), reads the live
file with ``cat``, copies the new one with the connection's put_file (or ``cat >`` when that fails), renames it
into place and reloads BIRD with ``birdc configure`` / ``birdc6 configure`` or the init script.
"""

from __future__ import annotations

import copy
import os
import secrets
import shlex
import shutil
import subprocess
import tempfile
import time
from typing import Any

from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.action import ActionBase

from ansible_collections.palmfarm.ipv6.plugins.module_utils._bird.config import (
    BirdConfigError,
    binary_names,
    check_binary,
    default_path,
    rejection,
    render_config,
    unmatched_patterns,
)
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bird.remote_shell import (
    backup_command,
    detect_version,
    directory_check_command,
    facts_command,
    has_python,
    install_command,
    local_version_ok,
    parse_read_file,
    parse_sections,
    python_probe_command,
    read_file_command,
    reload_command,
    reload_outcome,
    remove_command,
    temp_path,
    validate_command,
)
from ansible_collections.palmfarm.ipv6.plugins.modules.babel_bird6 import ARGUMENT_SPEC

MODULE = "palmfarm.ipv6.babel_bird6"


class ActionModule(ActionBase):
    TRANSFERS_FILES = True
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp: str | None = None, task_vars: dict | None = None) -> dict:
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        choice = args.get("render_on_controller")
        try:
            if choice is None:
                probe = self._shell(python_probe_command(self._interpreter(task_vars)))
                choice = not has_python(probe["stdout"])
            if not choice:
                module_result = self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars)
                module_result.setdefault("rendered_on_controller", False)
                result.update(module_result)
                return result
            # The validator fills in suboption defaults in place: never in the task's own (maybe shared) data.
            validated = ArgumentSpecValidator(ARGUMENT_SPEC).validate(copy.deepcopy(args))
            if validated.error_messages:
                return dict(result, failed=True, msg="; ".join(validated.error_messages))
            params = validated.validated_parameters
            outcome = self._on_controller(params)
            result.update(remove_values(outcome, validated._no_log_values))
        except BirdConfigError as exc:
            result.update(failed=True, msg=str(exc), rendered_on_controller=True)
        return result

    # --- the host, through the shell ---------------------------------------------------------------------

    def _interpreter(self, task_vars: dict) -> str | None:
        host_vars = task_vars
        if self._task.delegate_to:
            host_vars = task_vars.get("ansible_delegated_vars", {}).get(self._task.delegate_to, task_vars)
        value = host_vars.get("ansible_python_interpreter")
        return to_text(self._templar.template(value)) if value else None

    def _shell(self, command: str, data: bytes | None = None, check: bool = False) -> dict:
        res = self._low_level_execute_command(command, in_data=data)
        if check and res.get("rc") != 0:
            text = (res.get("stderr") or "") + (res.get("stdout") or "")
            raise BirdConfigError(f"'{command}' failed on the host (rc {res.get('rc')}): {text.strip()}")
        return res

    def _upload(self, content: bytes, remote: str) -> None:
        """The connection's own transfer (SFTP, SCP, piped), else ``cat >`` through the shell."""
        fd, local = tempfile.mkstemp(prefix="babel_bird6.", suffix=".conf")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
            try:
                self._connection.put_file(local, remote)
                return
            except (AnsibleError, OSError) as exc:
                self._display.vvv(f"babel_bird6: put_file failed ({exc}); writing with cat through the shell")
        finally:
            os.unlink(local)
        self._shell(f"cat > {shlex.quote(remote)}", data=content, check=True)

    # --- validation --------------------------------------------------------------------------------------

    def _local_binary(self, params: dict, version: str) -> str | None:
        daemon = binary_names(version)[0]
        explicit = params.get("bird_binary")
        candidate = explicit or shutil.which(daemon)
        if not candidate:
            return None
        proc = subprocess.run([candidate, "--version"], capture_output=True, text=True, check=False)
        if not (explicit or local_version_ok(proc.stdout + proc.stderr, version)):
            return None
        check_binary(params, version, candidate, proc.stdout + proc.stderr)
        return candidate

    def _validate_locally(self, binary: str, text: str) -> None:
        fd, local = tempfile.mkstemp(prefix="babel_bird6.", suffix=".conf")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(to_bytes(text))
            proc = subprocess.run([binary, "-p", "-c", local], capture_output=True, text=True, check=False)
        finally:
            os.unlink(local)
        if proc.returncode != 0:
            raise BirdConfigError(rejection(binary, proc.returncode, proc.stderr or proc.stdout))

    # --- the module's work, from the controller ----------------------------------------------------------

    def _on_controller(self, params: dict) -> dict:  # noqa: C901
        check_mode = bool(self._task.check_mode)
        facts = parse_sections(self._shell(facts_command())["stdout"])
        version = params["bird_version"]
        if version == "auto":
            version = detect_version(facts)
        path = params["path"] or default_path(version, facts.get("openwrt") == "yes")
        present = params["state"] == "present"
        after = render_config(params, version) if present else ""
        warnings = []
        if present and facts.get("interfaces"):
            for pattern in unmatched_patterns(params, facts["interfaces"].split()):
                warnings.append(f"interface name or pattern {pattern!r} matches no interface on this host (yet)")
        exists, before = parse_read_file(self._shell(read_file_command(path), check=True)["stdout"])
        changed = (before != after or not exists) if present else exists
        result: dict[str, Any] = dict(changed=changed, path=path, bird_version=version, validated=False,
                                      reloaded=False, rendered_on_controller=True,
                                      reload_message="nothing changed" if not changed else "check mode")
        if warnings:
            result["warnings"] = warnings
        if present:
            result["config"] = after
        if self._task.diff:
            result["diff"] = dict(before=before, after=after, before_header=path, after_header=path)
        if not changed:
            return result

        local = None
        if present and params["validate"]:
            daemon = binary_names(version)[0]
            local = self._local_binary(params, version)
            if local:
                self._validate_locally(local, after)
                result["validated"] = True
            elif not facts.get(daemon):
                raise BirdConfigError(f"validate=true needs {daemon} (BIRD {version}) on the controller "
                                      f"(bird_binary or PATH) or on the host to parse the file; install it, "
                                      f"or set validate=false")
            else:
                check_binary(params, version, facts[daemon], facts.get(f"{daemon}-version", ""))
        if check_mode:
            return result

        if present:
            if self._shell(directory_check_command(path))["rc"] != 0:
                raise BirdConfigError(f"the directory of path {path} does not exist; install BIRD or create it")
        if params["backup"] and exists:
            command, result["backup_file"] = backup_command(path, time.strftime("%Y-%m-%d@%H:%M:%S"))
            self._shell(command, check=True)
        if present:
            tmp = temp_path(path, secrets.token_hex(4))
            self._upload(to_bytes(after), tmp)
            if params["validate"] and not local:
                res = self._shell(validate_command(facts[binary_names(version)[0]], tmp))
                if res["rc"] != 0:
                    self._shell(remove_command(tmp))
                    raise BirdConfigError(f"{facts[binary_names(version)[0]]} on the host rejected the rendered "
                                          f"configuration, which was not installed: {res['stdout'].strip()}")
                result["validated"] = True
            self._shell(install_command(tmp, path), check=True)
        else:
            self._shell(remove_command(path), check=True)
        if params["reload"]:
            command = reload_command(version, facts, params["control_socket"])
            res = self._shell(command) if command else {"rc": 0, "stdout": "", "stderr": ""}
            result["reloaded"], result["reload_message"] = reload_outcome(
                command, res["rc"], (res.get("stdout") or "") + (res.get("stderr") or ""))
        else:
            result["reload_message"] = "reload=false"
        return result
