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

from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.action import ActionBase

from ansible_collections.palmfarm.ipv6.plugins.module_utils._bird.config import (
    BirdConfigError,
    binary_names,
    check_binary,
    rejection,
)
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bird.flow import BirdRequest, run
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
from ansible_collections.palmfarm.ipv6.plugins.module_utils._module.babel_bird6 import (
    ARGUMENT_SPEC,
    bird_request,
    outcome_result,
)

MODULE = "palmfarm.ipv6.babel_bird6"


class ActionModule(ActionBase):
    # Its uploads go next to the file they replace, never into Ansible's remote temporary directory: none is made
    # for it (one exec fewer per task), and with pipelining the module needs none either.
    TRANSFERS_FILES = False
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
            request = bird_request(validated.validated_parameters)
            outcome = run(ShellHost(self, request), request, bool(self._task.check_mode))
            shown = outcome_result(outcome, bool(self._task.diff))
            shown["rendered_on_controller"] = True
            result.update(remove_values(shown, validated._no_log_values))
        except BirdConfigError as exc:
            result.update(failed=True, msg=str(exc), rendered_on_controller=True)
        return result

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


class ShellHost:
    """A router without Python, as the `BirdHost` of the one flow: reached through its POSIX shell alone, with
    the BIRD on the controller validating the file when it has the right one."""

    def __init__(self, action: ActionModule, request: BirdRequest) -> None:
        self.action = action
        self.request = request
        self._facts: dict[str, str] | None = None

    @property
    def facts(self) -> dict[str, str]:
        if self._facts is None:
            self._facts = parse_sections(self.action._shell(facts_command())["stdout"])
        return self._facts

    def detect_version(self) -> str:
        return detect_version(self.facts)

    def is_openwrt(self) -> bool:
        return self.facts.get("openwrt") == "yes"

    def interfaces(self) -> list[str] | None:
        return self.facts["interfaces"].split() if self.facts.get("interfaces") else None

    def read(self, path: str) -> tuple[bool, str]:
        return parse_read_file(self.action._shell(read_file_command(path), check=True)["stdout"])

    def _local_binary(self, version: str) -> str | None:
        """The controller's BIRD of VERSION (bird_binary, else PATH), or None when it has none of that version."""
        explicit = self.request.bird_binary
        candidate = explicit or shutil.which(binary_names(version)[0])
        if not candidate:
            return None
        proc = subprocess.run([candidate, "--version"], capture_output=True, text=True, check=False)
        if not (explicit or local_version_ok(proc.stdout + proc.stderr, version)):
            return None
        check_binary(self.request.config, version, candidate, proc.stdout + proc.stderr)
        return candidate

    def validate(self, version: str, text: str) -> bool:
        daemon = binary_names(version)[0]
        local = self._local_binary(version)
        if local:
            fd, path = tempfile.mkstemp(prefix="babel_bird6.", suffix=".conf")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(to_bytes(text))
                proc = subprocess.run([local, "-p", "-c", path], capture_output=True, text=True, check=False)
            finally:
                os.unlink(path)
            if proc.returncode != 0:
                raise BirdConfigError(rejection(local, proc.returncode, proc.stderr or proc.stdout))
            return True
        if not self.facts.get(daemon):
            raise BirdConfigError(f"validate=true needs {daemon} (BIRD {version}) on the controller "
                                  f"(bird_binary or PATH) or on the host to parse the file; install it, "
                                  f"or set validate=false")
        check_binary(self.request.config, version, self.facts[daemon], self.facts.get(f"{daemon}-version", ""))
        return False

    def directory_exists(self, path: str) -> bool:
        return self.action._shell(directory_check_command(path))["rc"] == 0

    def install(self, path: str, text: str | None, backup: bool, validate_version: str | None) -> str | None:
        backup_file = None
        if backup:
            command, backup_file = backup_command(path, time.strftime("%Y-%m-%d@%H:%M:%S"))
            self.action._shell(command, check=True)
        if text is None:
            self.action._shell(remove_command(path), check=True)
            return backup_file
        tmp = temp_path(path, secrets.token_hex(4))
        self.action._upload(to_bytes(text), tmp)
        if validate_version:
            binary = self.facts[binary_names(validate_version)[0]]
            res = self.action._shell(validate_command(binary, tmp))
            if res["rc"] != 0:
                self.action._shell(remove_command(tmp))
                raise BirdConfigError(f"{binary} on the host rejected the rendered configuration, which was not "
                                      f"installed: {res['stdout'].strip()}")
        self.action._shell(install_command(tmp, path), check=True)
        return backup_file

    def reload(self, version: str) -> tuple[bool, str]:
        command = reload_command(version, self.facts, self.request.control_socket)
        res = self.action._shell(command) if command else {"rc": 0, "stdout": "", "stderr": ""}
        return reload_outcome(command, res["rc"], (res.get("stdout") or "") + (res.get("stderr") or ""))
