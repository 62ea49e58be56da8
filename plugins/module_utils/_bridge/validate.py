# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check planned bridge files with the backend's own tools before they go live.

Everything runs against a scratch copy of the configuration under a temporary directory; nothing here
touches the running network or the real configuration files.

- netplan: `netplan generate --root-dir SCRATCH` on the current /etc/netplan with the planned files in it,
  then the rendered bridge must be there (systemd-networkd .netdev with the asked MAC and STP, or a
  NetworkManager profile when netplan renders for NetworkManager).
- ifupdown: `ifquery -i SCRATCH/etc/network/interfaces --list -a` and `ifquery -i ... BRIDGE`, with the
  `source` lines pointed into the scratch copy.
- nm: `nmcli --offline connection modify` (NetworkManager 1.40 and newer) reads each keyfile from stdin and
  applies NetworkManager's checks; libnm's own keyfile reader (python3-gi, gir1.2-nm-1.0) then reads it
  again and reports values nmcli would silently drop.
- networkd: systemd ships no offline checker for .netdev/.network files; a parser of the sections and keys
  this collection writes checks them, and a warning says so.

`validate()` returns warnings (a missing tool names the package to install) and raises BridgeError with
the tool's own message when a file is invalid.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import tempfile
from typing import Any, Callable, Optional

from .addressing import ini_entries
from .spec import BridgeError, FileChange

# subprocess.run and shutil.which, or the tests' stand-ins.
Runner = Callable[..., 'subprocess.CompletedProcess[str]']
Which = Callable[[str], Optional[str]]

TOOL_TIMEOUT = 60
MAC_RE = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$", re.IGNORECASE)
BOOLEANS = ("yes", "no", "true", "false", "1", "0", "on", "off")

# The sections and keys this collection writes, with a check for each value (None: any text).
NETWORKD_KEYS: dict[str, dict[str, dict[str, Any]]] = {
    ".netdev": {
        "NetDev": {"Name": None, "Kind": ("bridge",), "MACAddress": MAC_RE},
        "Bridge": {"STP": BOOLEANS, "ForwardDelaySec": re.compile(r"^\d+$")},
    },
    ".network": {
        "Match": {"Name": None},
        "Network": {
            "Bridge": None, "DHCP": ("yes", "no", "ipv4", "ipv6"), "IPv6AcceptRA": BOOLEANS,
            "IPv6LinkLocalAddressGenerationMode": ("eui64", "none", "stable-privacy", "random"),
            "LinkLocalAddressing": ("yes", "no", "ipv4", "ipv6"), "ConfigureWithoutCarrier": BOOLEANS,
            "Address": re.compile(r"^[0-9a-fA-F.:]+/\d+$"), "DNS": re.compile(r"^[0-9a-fA-F.:]+$"), "Domains": None,
        },
        "Route": {"Gateway": re.compile(r"^[0-9a-fA-F.:]+$"), "Destination": re.compile(r"^[0-9a-fA-F.:]+/\d+$")},
    },
}

# Reads keyfiles with libnm's own parser; exit 3 when libnm's introspection data is not installed.
NM_KEYFILE_CHECK = r"""
import sys
try:
    import gi
    gi.require_version("NM", "1.0")
    from gi.repository import GLib, NM
except (ImportError, ValueError) as exc:
    sys.stderr.write("%s\n" % exc)
    sys.exit(3)
bad = 0
for path in sys.argv[1:]:
    problems = []
    def handler(keyfile, connection, kind, info, error):
        if kind == NM.KeyfileHandlerType.WARN:
            message, severity = info.warn_get()
            group, key = info.get_context()[:2]
            if severity != NM.KeyfileWarnSeverity.INFO_MISSING_FILE:
                problems.append("[%s] %s: %s" % (group, key, message))
        return False
    try:
        keyfile = GLib.KeyFile()
        keyfile.load_from_file(path, GLib.KeyFileFlags.NONE)
        connection = NM.keyfile_read(keyfile, "/etc/NetworkManager/system-connections",
                                     NM.KeyfileHandlerFlags.NONE, handler, None)
        connection.verify()
    except GLib.Error as exc:
        problems.append(exc.message)
    for problem in problems:
        sys.stderr.write("%s: %s\n" % (path, problem))
    bad += bool(problems)
sys.exit(1 if bad else 0)
"""


def validate(backend: str, changes: list[FileChange], root: str = "/", run: Runner = subprocess.run,
             which: Which = shutil.which) -> list[str]:
    """Check `changes` (from plan_files) with `backend`'s tools; return warnings, raise BridgeError if invalid.

    A warning is one sentence, e.g. "ifquery is not installed (Debian package ifupdown); the ifupdown file
    was not checked". `run` and `which` are subprocess.run and shutil.which (tests point `which` at tools
    unpacked outside PATH).
    """
    with tempfile.TemporaryDirectory(prefix="palmfarm-bridge-") as scratch:
        if backend == "netplan":
            return _validate_netplan(changes, root, scratch, run, which)
        if backend == "ifupdown":
            return _validate_ifupdown(changes, root, scratch, run, which)
        if backend == "nm":
            return _validate_nm(changes, scratch, run, which)
        if backend == "networkd":
            return _validate_networkd(changes)
    raise BridgeError(f"backend {backend!r} has no files to validate; use netplan, networkd, ifupdown or nm")


def _rel(path: str, root: str) -> str:
    rel = os.path.relpath(path, root)
    if rel.startswith(".."):
        raise BridgeError(f"{path} is not under {root}")
    return rel


def _write(path: str, text: str, mode: int = 0o600) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, mode)


def _stage(changes: list[FileChange], root: str, scratch: str) -> None:
    """Apply the planned writes and removals to the scratch copy."""
    for change in changes:
        target = os.path.join(scratch, _rel(change.path, root))
        if change.after is None:
            if os.path.exists(target):
                os.unlink(target)
        else:
            _write(target, change.after)


def _run(run: Runner, argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, LC_ALL="C", LANG="C")
    try:
        proc: subprocess.CompletedProcess[str] = run(argv, capture_output=True, text=True, timeout=TOOL_TIMEOUT,
                                                     check=False, env=env, **kwargs)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BridgeError("could not run {}: {}".format(" ".join(argv), exc)) from exc
    return proc


def _tool_message(proc: subprocess.CompletedProcess[str], scratch: str, root: str) -> str:
    text = (proc.stderr or "").strip() or (proc.stdout or "").strip() or f"exit status {proc.returncode}"
    return text.replace(scratch.rstrip("/") + "/", root.rstrip("/") + "/")


def parse_ini(text: str) -> dict[str, dict[str, str]]:
    """Sections of a systemd-style file: {section: {key: last value}}; a line that is neither is an error."""
    entries = ini_entries(text, strict=True)
    # Every section named, even one without keys, in the order the file has them.
    sections: dict[str, dict[str, str]] = {line.strip()[1:-1]: {} for line in text.splitlines()
                                           if line.strip().startswith("[") and line.strip().endswith("]")}
    for section, key, value in entries:
        sections[section][key] = value
    return sections


# ---------------------------------------------------------------------------------------------- netplan


def _bridge_of(changes: list[FileChange]) -> tuple[str | None, str | None, str | None]:
    """(bridge name, MAC, stp) from the planned netplan text, read back from the lines we render."""
    for change in changes:
        if change.after is None:
            continue
        # Our own file, or a user's file (config_file) with our lines marked "# added for BRIDGE by ...".
        name = re.search(r"^  bridges:\n    ([^:\s]+):", change.after, re.MULTILINE) or \
            re.search(r"^\s*([^:\s]+):  # added for \1 by palmfarm\.ipv6 bridge_iface$", change.after, re.MULTILINE)
        if name:
            mac = re.search(r'^\s+macaddress: "([^"]+)"', change.after, re.MULTILINE)
            stp = re.search(r"^\s+stp: (\w+)", change.after, re.MULTILINE)
            return name.group(1), mac.group(1) if mac else None, stp.group(1) if stp else None
    return None, None, None


_UDEV_RELOAD_FAILED = "Failed to send reload request"


def _validate_netplan(changes: list[FileChange], root: str, scratch: str, run: Runner, which: Which) -> list[str]:
    netplan = which("netplan")
    if not netplan:
        return ["netplan is not installed (Debian/Ubuntu package netplan.io); the netplan file was not checked"]
    warnings = _netplan_generate(changes, root, scratch, run, netplan)
    name, mac, stp = _bridge_of(changes)
    if name is None:
        return warnings
    return warnings + _netplan_rendered(changes, scratch, name, mac, stp)


def _netplan_generate(changes: list[FileChange], root: str, scratch: str, run: Runner, netplan: str) -> list[str]:
    """`netplan generate` into the scratch copy of the host's netplan files with the changes made: its warnings,
    or BridgeError with its message when it rejects them."""
    for sub in ("etc/netplan", "lib/netplan", "run/netplan"):
        source = os.path.join(root, sub)
        if os.path.isdir(source):
            shutil.copytree(source, os.path.join(scratch, sub))
    for path in glob.glob(os.path.join(scratch, "*/netplan/*.yaml")):
        os.chmod(path, 0o600)
    _stage(changes, root, scratch)
    proc = _run(run, [netplan, "generate", "--root-dir", scratch])
    if proc.returncode != 0:
        raise BridgeError(f"netplan generate rejected the configuration: {_tool_message(proc, scratch, root)}")
    # netplan 1.x asks the running udev to reload its rules after generating, even into --root-dir; where no
    # udevd runs (a container) udevadm complains. That concerns this machine, not the configuration.
    said = "\n".join(line for line in (proc.stderr or "").splitlines()
                     if line.strip() and not line.startswith(_UDEV_RELOAD_FAILED))
    if not said:
        return []
    stderr = _tool_message(subprocess.CompletedProcess(proc.args, proc.returncode, "", said), scratch, root)
    return [f"netplan generate warned: {stderr}"]


def _netplan_rendered(changes: list[FileChange], scratch: str, name: str, mac: str | None, stp: str | None
                      ) -> list[str]:
    """What netplan generate rendered for bridge `name` is the planned bridge (for systemd-networkd or
    NetworkManager): warnings, or BridgeError when another file overrides it or nothing was rendered."""
    netdev = os.path.join(scratch, f"run/systemd/network/10-netplan-{name}.netdev")
    nm_profile = os.path.join(scratch, f"run/NetworkManager/system-connections/netplan-{name}.nmconnection")
    if os.path.exists(netdev):
        _check_netdev(netdev, name, mac, stp)
        return _addr_gen_warnings(changes, os.path.join(scratch, f"run/systemd/network/10-netplan-{name}.network"))
    if not os.path.exists(nm_profile):
        raise BridgeError(f"netplan generate rendered nothing for bridge {name} (no /{_rel(netdev, scratch)} and no "
                          f"/{_rel(nm_profile, scratch)}); check that the planned file is in /etc/netplan and that "
                          "no other file disables it")
    return []


def _check_netdev(netdev: str, name: str, mac: str | None, stp: str | None) -> None:
    """The .netdev netplan rendered has the bridge's name, kind, MAC and STP, or BridgeError names the difference."""
    with open(netdev, encoding="utf-8") as handle:
        rendered = parse_ini(handle.read())
    got = rendered.get("NetDev", {})
    expected = {"Name": name, "Kind": "bridge"}
    if mac:
        expected["MACAddress"] = mac
    wrong = [f"{key}={got.get(key)} (wanted {value})" for key, value in expected.items()
             if (got.get(key) or "").lower() != value.lower()]
    got_stp = rendered.get("Bridge", {}).get("STP")
    if stp and got_stp not in (None, stp):
        wrong.append(f"STP={got_stp} (wanted {stp})")
    if wrong:
        raise BridgeError("netplan rendered bridge {} differently from the planned file: {}; another file "
                          "in /etc/netplan overrides it".format(name, ", ".join(wrong)))


def _addr_gen_warnings(changes: list[FileChange], network: str) -> list[str]:
    """A warning when a planned file asks for ipv6-address-generation and the rendered .network lost it."""
    text = open(network, encoding="utf-8").read() if os.path.exists(network) else ""
    if "IPv6LinkLocalAddressGenerationMode=" in text or \
            not any(change.after and "ipv6-address-generation:" in change.after for change in changes):
        return []
    return ["this netplan does not pass ipv6-address-generation to systemd-networkd; set addr_gen_mode with the "
            "kernel backend or upgrade netplan"]


# ---------------------------------------------------------------------------------------------- ifupdown


def _validate_ifupdown(changes: list[FileChange], root: str, scratch: str, run: Runner, which: Which) -> list[str]:
    ifquery = which("ifquery")
    if not ifquery:
        return ["ifquery is not installed (Debian package ifupdown); the ifupdown file was not checked"]
    etc = os.path.join(root, "etc/network")
    if os.path.isdir(etc):
        shutil.copytree(etc, os.path.join(scratch, "etc/network"), symlinks=True)
    _stage(changes, root, scratch)
    main = os.path.join(scratch, "etc/network/interfaces")
    text = open(main, encoding="utf-8").read() if os.path.exists(main) else ""
    # Exactly what ifup reads: /etc/network/interfaces and what it sources, only pointed into the scratch copy.
    text = re.sub(r"^(\s*source(?:-directory)?\s+)/", lambda m: m.group(1) + scratch.rstrip("/") + "/", text,
                  flags=re.MULTILINE)
    _write(main, text, 0o644)
    state = os.path.join(scratch, "run/network")
    os.makedirs(state, exist_ok=True)
    base = [ifquery, "--state-dir", state, "--interfaces", main]
    proc = _run(run, base + ["--list", "-a"])
    if proc.returncode != 0:
        raise BridgeError(f"ifquery rejected the configuration: {_tool_message(proc, scratch, root)}")
    for change in changes:
        if change.after is None:
            continue
        ours = re.search(r"^# Managed by palmfarm\.ipv6 bridge_iface\b.*Bridge: (\S+)$", change.after, re.MULTILINE)
        if ours is None:
            continue
        bridge = ours.group(1)
        if bridge not in proc.stdout.split():
            interfaces = os.path.join(root, "etc/network/interfaces")
            raise BridgeError(f"ifquery does not list {bridge} among the interfaces brought up at boot: {interfaces} "
                              f"does not read {change.path}, so ifup would not know {bridge}; add the line 'source "
                              f"{os.path.dirname('/' + _rel(change.path, root))}/*' to {interfaces}, or set "
                              "config_file: /etc/network/interfaces")
        shown = _run(run, base + [bridge])
        if shown.returncode != 0 or "bridge_ports:" not in shown.stdout:
            raise BridgeError(f"ifquery {bridge} shows no bridge_ports: {_tool_message(shown, scratch, root)}")
    return []


# ---------------------------------------------------------------------------------------------- NetworkManager


def _nm_version(nmcli: str, run: Runner) -> tuple[int, ...]:
    proc = _run(run, [nmcli, "--version"])
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", proc.stdout or "")
    return tuple(int(part or 0) for part in match.groups()) if match else (0,)


def _validate_nm(changes: list[FileChange], scratch: str, run: Runner, which: Which) -> list[str]:  # noqa: C901
    """nmcli --offline (NetworkManager 1.40 and newer) reads each keyfile and refuses profiles that fail
    NetworkManager's own checks (a forward delay out of range, a missing connection type); it silently drops
    values it does not understand, so libnm's keyfile reader then reads them too, with every dropped value
    reported as an error."""
    keyfiles = []
    for number, change in enumerate(changes):
        if change.after is not None:
            path = os.path.join(scratch, f"{number}-{os.path.basename(change.path)}")
            _write(path, change.after)
            keyfiles.append((change.path, path))
    if not keyfiles:
        return []
    checked = []
    nmcli = which("nmcli")
    if nmcli and _nm_version(nmcli, run) >= (1, 40):
        for real, path in keyfiles:
            with open(path, encoding="utf-8") as handle:
                proc = _run(run, [nmcli, "--offline", "connection", "modify", "connection.autoconnect", "yes"],
                            stdin=handle)
            if proc.returncode != 0:
                message = (proc.stderr or proc.stdout or f"exit status {proc.returncode}").strip()
                raise BridgeError(f"nmcli --offline rejected {real}: {message}")
        checked.append("nmcli")
    # The system Python carries python3-gi; a virtualenv's python3 first on PATH usually does not.
    pythons = []
    for candidate in ("/usr/bin/python3", "python3"):
        found = which(candidate)
        if found and found not in pythons:
            pythons.append(found)
    for python in pythons:
        proc = _run(run, [python, "-c", NM_KEYFILE_CHECK] + [scratch_path for dummy, scratch_path in keyfiles])
        if proc.returncode == 0:
            checked.append("libnm")
            break
        if proc.returncode != 3:
            message = (proc.stderr or proc.stdout or "").strip()
            for real, path in keyfiles:
                message = message.replace(path, real)
            raise BridgeError(f"NetworkManager's keyfile reader (libnm) rejected the profile: {message}")
    if checked == ["nmcli"]:
        return ["libnm's keyfile reader (Debian packages python3-gi and gir1.2-nm-1.0) is not installed; nmcli "
                "--offline checked the NetworkManager profiles but ignores values it does not know"]
    if not checked:
        return ["neither nmcli --offline (package network-manager, 1.40 or newer) nor libnm's keyfile reader "
                "(Debian packages python3-gi and gir1.2-nm-1.0) is installed; the NetworkManager profiles were "
                "not checked"]
    return []


# ---------------------------------------------------------------------------------------------- networkd


def _validate_networkd(changes: list[FileChange]) -> list[str]:  # noqa: C901
    for change in changes:
        if change.after is None:
            continue
        suffix = os.path.splitext(change.path)[1]
        known = NETWORKD_KEYS.get(suffix)
        if known is None:
            raise BridgeError(f"{change.path} is neither a .netdev nor a .network file")
        try:
            sections = parse_ini(change.after)
        except BridgeError as exc:
            raise BridgeError(f"{change.path}: {exc}") from exc
        for section, keys in sections.items():
            if section not in known:
                raise BridgeError(f"{change.path}: unknown section [{section}]")
            for key, value in keys.items():
                if key not in known[section]:
                    raise BridgeError(f"{change.path}: unknown key {key}= in [{section}]")
                check = known[section][key]
                bad = (isinstance(check, tuple) and value.lower() not in check) or \
                    (hasattr(check, "match") and not check.match(value)) or not value
                if bad:
                    raise BridgeError(f"{change.path}: {key}={value} in [{section}] is not valid")
        first = "NetDev" if suffix == ".netdev" else "Match"
        if first not in sections:
            raise BridgeError(f"{change.path} has no [{first}] section")
    return ["systemd-networkd has no offline checker; the .netdev/.network files were checked by this "
            "collection's parser of the keys it writes"]
