# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The users' own network files, as bridge_iface sees them: what they configure on the ports and the bridge
(read into `Addressing`), and the edit that moves it to the bridge.

The edit is reversible and leaves every other byte alone: each line that configures a port's addressing is
kept, commented out behind `taken_prefix(bridge)`; state absent removes that prefix again, which gives the
port its configuration back. Only netplan and ifupdown need it (their files merge, so the port would keep
its addresses); networkd uses the first matching .network file (ours sorts first, or the change is
refused) and NetworkManager the highest-priority profile (ours), so their users' files are only read.

Reads files under `root`; never writes one.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from typing import Any

from . import addressing
from .addressing import Addressing
from .spec import BridgeError

try:
    import yaml
    YAML_ERROR = None
except ImportError as exc:  # pragma: no cover - netplan itself needs python3-yaml
    yaml = None
    YAML_ERROR = exc

NETPLAN_DIR = "etc/netplan"
IFUPDOWN_FILE = "etc/network/interfaces"
NETWORKD_DIRS = ("etc/systemd/network", "run/systemd/network", "usr/lib/systemd/network", "lib/systemd/network")
NM_DIRS = ("etc/NetworkManager/system-connections", "run/NetworkManager/system-connections")


MARKER_PREFIX = "# Managed by palmfarm.ipv6 bridge_iface; edits are overwritten. Bridge: "
OURS = "# Managed by palmfarm.ipv6 bridge_iface"  # how the files this collection writes start


def marker(name: str) -> str:
    """The first line of every file written for bridge `name`, and of its block in a user's file."""
    return MARKER_PREFIX + name


def block_end(name: str) -> str:
    """The last line of the block of bridge `name` in a user's file (ifupdown: config_file in place)."""
    return f"# End of the lines palmfarm.ipv6 bridge_iface manages for bridge {name}"


def taken_prefix(bridge: str) -> str:
    """What a line of a user's file moved to `bridge` starts with."""
    return f"# moved to {bridge} by palmfarm.ipv6 bridge_iface: "


def added_suffix(bridge: str) -> str:
    """What a line added to a user's file for `bridge` ends with (YAML only: ifupdown has no end-of-line comments)."""
    return f"  # added for {bridge} by palmfarm.ipv6 bridge_iface"


def restore(text: str, bridge: str) -> str:
    """The text as it was before bridge_iface moved lines of it to `bridge`, added lines for it, or added its
    block (with the blank line before it)."""
    prefix, suffix = taken_prefix(bridge), added_suffix(bridge)
    first, last = marker(bridge), block_end(bridge)
    out: list[str] = []
    inside = False
    for line in text.splitlines(keepends=True):
        bare = line.rstrip("\r\n")
        if bare == first:
            inside = True
            if out and not out[-1].strip():
                out.pop()
        if inside:
            inside = bare != last
            continue
        if not bare.endswith(suffix):
            out.append(line[len(prefix):] if line.startswith(prefix) else line)
    return "".join(out)


def touched(text: str, bridge: str) -> bool:
    """Whether a user's file has lines moved to, added for, or a block of `bridge`."""
    return restore(text, bridge) != text


def with_block(text: str, block: str) -> str:
    """A user's text with our block (ifupdown stanzas starting with marker(), ending with block_end()) at its end."""
    return (text.rstrip("\n") + "\n\n" if text.strip() else "") + block


def take(text: str, numbers: set[int], bridge: str, added: dict[int, list[str]] | None = None) -> str:
    """The text with lines `numbers` (0-based) commented out for `bridge`, and `added` lines inserted after
    the line number they are filed under."""
    prefix, suffix = taken_prefix(bridge), added_suffix(bridge)
    out = []
    for number, line in enumerate(text.splitlines(keepends=True)):
        out.append(prefix + line if number in numbers else line)
        for extra in (added or {}).get(number, []):
            out.append(extra + suffix + "\n")
    return "".join(out)


@dataclass
class Found:
    """What the users' files configure for the ports and the bridge, and the edits that move it to the bridge."""

    addressing: Addressing = field(default_factory=Addressing)
    edits: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (text now, text after the move)
    taken: dict[str, str] = field(default_factory=dict)  # path -> text after the move, for every file read
    kept_marks: list[str] = field(default_factory=list)  # ifupdown: `auto lo` of an `auto lo eth0` line
    netplan_ids: dict[str, str] = field(default_factory=dict)  # port -> netplan id of its definition, if not its name


def _under(root: str, rel: str) -> str:
    return os.path.join(root, rel.lstrip("/"))


def port_macs(root: str, ports: tuple[str, ...] | list[str]) -> dict[str, str]:
    """Port -> its MAC as the kernel shows it (sys/class/net/PORT/address under `root`), for the users'
    definitions that match a NIC by MAC rather than by name (netplan `match: macaddress:` without `set-name`,
    networkd `[Match] MACAddress=`, a NetworkManager profile's `mac-address=`). The tools match the NIC's own
    (permanent) MAC; the current one is the same unless it was changed by hand. A port not there is left out."""
    macs = {}
    for port in ports:
        text = _read(_under(root, f"sys/class/net/{port}/address"))
        if text and text.strip():
            macs[port] = text.strip().lower()
    return macs


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (FileNotFoundError, IsADirectoryError):
        return None
    except OSError as exc:
        raise BridgeError(f"cannot read {path}: {exc}") from exc


def _edit(found: Found, path: str, text: str, original: str, numbers: set[int], bridge: str,
          added: dict[int, list[str]] | None = None) -> None:
    after = take(original, numbers, bridge, added)
    found.taken[path] = after
    if after != text:
        found.edits[path] = (text, after)


# ---------------------------------------------------------------------------------------------- netplan


def _last_line(node: Any) -> int:
    """The last line a YAML node's text is on (0-based)."""
    if isinstance(node, yaml.ScalarNode) or getattr(node, "flow_style", False) or not node.value:
        end = node.end_mark
        line: int = end.line - 1 if end.column == 0 and end.line > node.start_mark.line else end.line
        return line
    children = node.value if isinstance(node, yaml.SequenceNode) else [n for pair in node.value for n in pair]
    return max(_last_line(child) for child in children)


def _mapping(node: Any, key: str) -> Any:
    if isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            if key_node.value == key:
                return value
    return None


def _netplan_lines(path: str, node: Any, ident: str, bridge: str, added: dict[int, list[str]]) -> set[int]:
    """The lines of `node` (a port's or the bridge's settings) that configure addressing. When they are all
    its settings, a `dhcp4: false` is added (filed in `added`), as netplan refuses an empty definition."""
    if not isinstance(node, yaml.MappingNode):
        return set()
    pairs = node.value
    numbers: set[int] = set()
    for key_node, value in pairs:
        if key_node.value not in addressing.NETPLAN_KEYS:
            continue
        first, last = key_node.start_mark.line, _last_line(value)
        # A setting shares its lines with others only in a flow mapping: in block style each key starts a line
        # of its own, after the last line of the value before it.
        if node.flow_style:
            raise BridgeError(f"{path}: {ident}'s {key_node.value} shares a line with other settings, so it cannot "
                              f"be moved to {bridge} alone; write {ident}'s settings one per line (block style)")
        numbers.update(range(first, last + 1))
    if numbers and all(key_node.value in addressing.NETPLAN_KEYS for key_node, dummy in pairs):
        added.setdefault(max(numbers), []).append(" " * pairs[0][0].start_mark.column + "dhcp4: false")
    return numbers


def netplan_insert(path: str, text: str, bridge: str, items: list[tuple[int, str]]) -> str:
    """`text` (a user's netplan file) with the bridge's definition added under network.bridges, each line marked
    with added_suffix(). items: (level, line) with level 0 for `BRIDGE:`; the file's own indentation is used."""
    if yaml is None:
        raise BridgeError(f"PyYAML (Debian package python3-yaml) is needed to edit {path}: {YAML_ERROR}")
    try:
        tree = yaml.compose(text)
    except yaml.YAMLError as exc:
        raise BridgeError(f"{path} is not valid YAML ({exc}); fix it before changing the bridge") from exc
    network = _mapping(tree, "network")
    if not isinstance(network, yaml.MappingNode) or network.flow_style or not network.value:
        raise BridgeError(f"config_file {path} has no block-style network: mapping to add {bridge} to; leave "
                          "config_file unset (the module then writes its own file beside it)")
    step = network.value[0][0].start_mark.column - tree.value[0][0].start_mark.column
    bridges = _mapping(network, "bridges")
    added: dict[int, list[str]] = {}
    if bridges is None:
        base = network.value[0][0].start_mark.column
        lines = [" " * base + "bridges:"]
        base += step
        after = _last_line(network)
    elif isinstance(bridges, yaml.MappingNode) and not bridges.flow_style and bridges.value:
        if any(key.value == bridge for key, dummy in bridges.value):
            raise BridgeError(f"config_file {path} already defines bridge {bridge}; remove that definition, or leave "
                              "config_file unset (the module then takes its addressing and writes its own file)")
        base, lines, after = bridges.value[0][0].start_mark.column, [], _last_line(bridges)
    else:
        raise BridgeError(f"config_file {path}: its bridges: is not a block-style mapping; write it one entry per "
                          "line, or leave config_file unset")
    lines += [" " * (base + step * level) + line for level, line in items]
    added[after] = lines
    return take(text, set(), bridge, added)


def netplan(root: str, ports: tuple[str, ...], bridge: str, ours: set[str]) -> Found:
    """The ports' and the bridge's addressing in /etc/netplan/*.yaml (files in netplan's order, later values
    winning), and the edits that comment it out of those files."""
    if yaml is None:
        raise BridgeError(f"PyYAML (Debian package python3-yaml) is needed to read the netplan files: {YAML_ERROR}")
    found = Found()
    parts = []
    ids: dict[str, tuple[str, str]] = {}  # port -> (netplan id, file) of its own definition
    shared: list[tuple[str, str, Addressing, list[str]]] = []  # (id, file, addressing, ports) of match: name: ones
    macs = port_macs(root, ports)
    for path in sorted(glob.glob(_under(root, NETPLAN_DIR + "/*.yaml")), key=os.path.basename):
        text = _read(path)
        if path in ours or text is None or text.startswith(OURS):
            continue
        original = restore(text, bridge)
        try:
            data = yaml.safe_load(original)
            tree = yaml.compose(original)
        except yaml.YAMLError as exc:
            raise BridgeError(f"{path} is not valid YAML ({exc}); fix it before changing the bridge") from exc
        numbers: set[int] = set()
        added: dict[int, list[str]] = {}
        for section, ident, settings in addressing.netplan_stanzas(data, ports, bridge, macs):
            reading = addressing.from_netplan(settings).from_file(path)
            named = addressing.netplan_named(ident, settings, ports, macs)
            if section == "ethernets" and not named:
                shared.append((ident, path, reading, addressing.netplan_ports(ident, settings, ports, macs)))
                continue
            parts.append(reading)
            node = _mapping(_mapping(_mapping(tree, "network"), section), ident)
            numbers |= _netplan_lines(path, node, ident, bridge, added)
            if named:
                _netplan_ids(ids, path, ident, named)
        _edit(found, path, text, original, numbers, bridge, added)
    parts += _netplan_shared(shared, ids, bridge)
    found.addressing = addressing.merge_all(parts)
    found.netplan_ids = {port: ident for port, (ident, dummy) in ids.items() if ident != port}
    return found


def _netplan_ids(ids: dict[str, tuple[str, str]], path: str, ident: str, port: str) -> None:
    """Note that netplan id `ident` (in `path`) is the definition of `port`; a port with two is a BridgeError."""
    if port in ids and ids[port][0] != ident:
        raise BridgeError(
            f"{port} is defined twice in netplan, as {ids[port][0]} ({ids[port][1]}) and as {ident} ({path}); "
            f"netplan renders one .network file for each and systemd-networkd uses only the first, so {port} "
            f"might never join the bridge. Keep one definition of {port}")
    ids.setdefault(port, (ident, path))


def _netplan_shared(shared: list[tuple[str, str, Addressing, list[str]]], ids: dict[str, tuple[str, str]],
                    bridge: str) -> list[Addressing]:
    """The addressing of the definitions shared by several interfaces (`match: name:` globs) that configure a
    port with no definition of its own. They stay as they are (the other interfaces they match keep their
    addressing). The port's definition in the bridge's file (under its own id, or its own name) must sort
    first: netplan renders 10-netplan-ID.network for each id, and systemd-networkd uses only the first that
    matches an interface."""
    parts = []
    inherited: set[str] = set()
    for ident, path, reading, matched in sorted(shared, key=lambda item: item[:2]):
        for port in matched:
            ours = ids[port][0] if port in ids else port
            if ident < ours:
                raise BridgeError(
                    f"netplan id {ident} ({path}) matches {port} by name and sorts before {ours}, so "
                    f"systemd-networkd would use its .network file for {port} instead of the one that puts {port} "
                    f"in {bridge}. Rename {ident} to sort after {ours} (Ubuntu's images use zz-all-en and "
                    f"zz-all-eth), or define {port} under its own name")
        ports = [port for port in matched if port not in ids and port not in inherited]
        if ports:
            parts.append(reading)
            inherited.update(ports)
    return parts


# ---------------------------------------------------------------------------------------------- ifupdown


def ifupdown_files(root: str) -> list[str]:
    """/etc/network/interfaces and the files its source/source-directory lines name, in ifupdown's order."""
    main = _under(root, IFUPDOWN_FILE)
    files, seen = [], set()

    def visit(path: str) -> None:
        if path in seen:
            return
        seen.add(path)
        text = _read(path)
        if text is None:
            return
        files.append(path)
        for raw in text.splitlines():
            words = raw.split()
            if len(words) == 2 and words[0] == "source":
                # An absolute path is the host's (under root); a relative one is next to this file, already there.
                here = os.path.dirname(path)
                pattern = _under(root, words[1]) if os.path.isabs(words[1]) else os.path.join(here, words[1])
                for sourced in sorted(glob.glob(pattern)):
                    visit(sourced)
            elif len(words) == 2 and words[0] == "source-directory":
                directory = _under(root, words[1])
                for name in sorted(os.listdir(directory)) if os.path.isdir(directory) else []:
                    if all(c.isalnum() or c in "_-" for c in name):  # run-parts names, as ifupdown reads them
                        visit(os.path.join(directory, name))

    visit(main)
    return files


def ifupdown(root: str, ports: tuple[str, ...], bridge: str, ours: set[str]) -> Found:
    """The ports' (and a bridge stanza's) `iface` stanzas and auto/allow-* lines in the interfaces files."""
    found = Found()
    names = set(ports) | {bridge}
    parts = []
    for path in ifupdown_files(root):
        text = _read(path) or ""
        if path in ours or text.startswith(OURS):
            continue
        original = restore(text, bridge)
        stanzas, marks = addressing.ifupdown_stanzas(original)
        numbers: set[int] = set()
        for stanza in stanzas:
            if stanza.name in names:
                parts.append(addressing.from_ifupdown(stanza).from_file(path))
                numbers.update(stanza.lines)
        for number, keyword, listed in marks:
            if names & set(listed):
                numbers.add(number)
                rest = [name for name in listed if name not in names]
                if rest:
                    found.kept_marks.append(f"{keyword} {' '.join(rest)}")
        _edit(found, path, text, original, numbers, bridge)
    found.addressing = addressing.merge_all(parts)
    return found


# ---------------------------------------------------------------------------------------------- networkd


def networkd_files(root: str) -> list[str]:
    """Every .network file systemd-networkd reads, in its order (by name; /etc hides /run hides /lib)."""
    by_name: dict[str, str] = {}
    for directory in NETWORKD_DIRS:
        for path in glob.glob(_under(root, directory + "/*.network")):
            by_name.setdefault(os.path.basename(path), path)
    return [by_name[name] for name in sorted(by_name)]


def networkd(root: str, interfaces: dict[str, str], bridge: str, ours: set[str]) -> Found:
    """The addressing of the first users' .network file matching each interface (interface -> our file for
    it). A users' file that sorts before ours and matches is refused: networkd would use it instead."""
    parts = []
    # The ports' MACs only: the bridge takes a port's MAC, but a file matching that MAC is the port's.
    macs = port_macs(root, [name for name in interfaces if name != bridge])
    for name, our_path in interfaces.items():
        for path in networkd_files(root):
            text = _read(path) or ""
            if path in ours or not addressing.networkd_matches(text, name, macs.get(name)):
                continue
            if os.path.basename(path) < os.path.basename(our_path):
                raise BridgeError(
                    f"{path} matches {name} and sorts before {our_path}; systemd-networkd uses only the first "
                    f"matching .network file, so {name} would never join {bridge}. Rename it to sort after "
                    f"{os.path.basename(our_path)} (e.g. 80-{os.path.basename(path).split('-', 1)[-1]}), or narrow "
                    f"its [Match] (Name=, MACAddress=) so it does not match {name}")
            if name != bridge:
                parts.append(addressing.from_networkd(text).from_file(path))
            break
    return Found(addressing=addressing.merge_all(parts))


# ---------------------------------------------------------------------------------------------- NetworkManager


def nm(root: str, ports: tuple[str, ...], bridge: str, ours: set[str]) -> Found:
    """The addressing of the users' NetworkManager profile of each port (the one NetworkManager prefers:
    highest autoconnect-priority, then name) and of a bridge profile for the bridge."""
    parts = []
    macs = port_macs(root, ports)
    wanted = [(port, ("ethernet", "802-3-ethernet")) for port in ports] + [(bridge, ("bridge",))]
    for name, types in wanted:
        profiles = []
        for directory in NM_DIRS:
            for path in sorted(glob.glob(_under(root, directory + "/*"))):
                text = _read(path)
                if path in ours or text is None or text.startswith(OURS):
                    continue
                if addressing.nm_bound_to(text, name, macs.get(name), types):
                    profiles.append((-addressing.nm_binding(text)[2], path, text))
        if profiles:
            dummy, path, text = min(profiles)
            parts.append(addressing.from_nm(text).from_file(path))
    return Found(addressing=addressing.merge_all(parts))
