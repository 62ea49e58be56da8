# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The persistent half of bridge_iface: which backend a host uses, the files that make the bridge survive a
reboot, and the commands that make those files live.

Pure planning: this module reads files under `root` but never writes one and never runs a command. Every
path it returns is the real path under `root` (with the default root "/", the path on the host), so the
caller writes `FileChange.after` to `FileChange.path` as it is.

Each file this collection writes starts with the line `MARKER_PREFIX + bridge name`; removal (state absent,
or a port that left the bridge) only ever touches files that carry that exact line.

Interface (the module calls these):
- `detect_backend(root, which)` -> "netplan" | "nm" | "networkd" | "ifupdown", or BridgeError.
- `plan_files(spec, backend, root, config_file, state)` -> [FileChange] in a stable order.
- `plan_warnings(spec, backend, root, config_file, state)` -> [str]: things the user should know that do not
  stop the change (another file that also configures a port, a missing `source` line, ...). Each warning is
  one sentence naming the file and what to do.
- `file_mode(backend)` -> the permission bits the files must have (0o600 for netplan and nm).
- `apply_commands(backend, spec, state)` -> the commands, in order, that make the written files live.
- `deleted_link(command)` -> the link an apply command deletes (skipped by the caller when it is gone), or None.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import uuid
from typing import Callable

from . import addressing, userfiles
from .addressing import DEFAULT, Addressing, is_v6
from .options import with_addressing
from .spec import PERSISTENT_BACKENDS, BridgeError, BridgeRequest, BridgeSpec, FileChange
from .userfiles import MARKER_PREFIX, marker

__all__ = ["MARKER_PREFIX", "marker"]  # part of this module's interface (tests and callers use them from here)

NETPLAN_DIR = "etc/netplan"
NETWORKD_DIR = "etc/systemd/network"
IFUPDOWN_FILE = "etc/network/interfaces"
IFUPDOWN_DIR = "etc/network/interfaces.d"
NM_DIR = "etc/NetworkManager/system-connections"
NETWORKD_PREFIX = "25-palmfarm-"
# uuid5 namespace for NetworkManager profiles: the same bridge always gets the same UUID (idempotent files).
NM_UUID_NAMESPACE = uuid.UUID("6f0c6a3e-1d0b-5a4e-9a52-70616c6d6661")
STATES = ("present", "absent")


def _under(root: str, rel: str) -> str:
    return os.path.join(root, rel.lstrip("/"))


def detect_backend(root: str = "/", which: Callable[[str], str | None] = shutil.which) -> str:
    """Return the persistent backend the host under `root` really uses, or raise BridgeError.

    Order: netplan (YAML in /etc/netplan and a netplan binary: Ubuntu, also on the Raspberry Pi), then
    NetworkManager (installed and running: /run/NetworkManager exists), then systemd-networkd (.network or
    .netdev files in /etc/systemd/network, or its runtime state file /run/systemd/netif/state), then ifupdown
    (/etc/network/interfaces exists).
    """
    looked = []
    netplan_yaml = sorted(glob.glob(_under(root, NETPLAN_DIR + "/*.yaml")))
    looked.append(f"{_under(root, NETPLAN_DIR)}/*.yaml ({len(netplan_yaml)} found)")
    if netplan_yaml and (which("netplan") or os.path.exists(_under(root, "usr/sbin/netplan"))):
        return "netplan"
    nm_binary = which("NetworkManager") or os.path.exists(_under(root, "usr/sbin/NetworkManager"))
    nm_run = _under(root, "run/NetworkManager")
    looked.append("NetworkManager binary ({}) and {}".format("found" if nm_binary else "missing", nm_run))
    if nm_binary and os.path.isdir(nm_run):
        return "nm"
    networkd_dir = _under(root, NETWORKD_DIR)
    # systemd-networkd writes its state file while it runs; a bare /run/systemd/netif (left by an image build,
    # or holding only old leases) does not mean it manages anything. .link files belong to udev, not networkd.
    netif_state = _under(root, "run/systemd/netif/state")
    networkd_files = glob.glob(networkd_dir + "/*.network") + glob.glob(networkd_dir + "/*.netdev")
    looked.append(f"{networkd_dir}/*.network|*.netdev ({len(networkd_files)} found) and {netif_state}")
    if networkd_files or os.path.isfile(netif_state):
        return "networkd"
    interfaces = _under(root, IFUPDOWN_FILE)
    looked.append(interfaces)
    if os.path.isfile(interfaces):
        return "ifupdown"
    raise BridgeError(
        "cannot tell which network configuration this host uses (looked at: {}); set backend to one of {}, "
        "or to kernel to change only the running system".format("; ".join(looked), ", ".join(PERSISTENT_BACKENDS)))


def file_mode(backend: str) -> int:
    """Permission bits for the files of `backend`: netplan and NetworkManager refuse or warn about files others
    can read (they may hold secrets), the others are world-readable like their distribution files."""
    _check_backend(backend)
    return 0o600 if backend in ("netplan", "nm") else 0o644


def _check_backend(backend: str) -> None:
    if backend not in PERSISTENT_BACKENDS:
        raise BridgeError("backend {!r} writes no files; use one of {}".format(backend, ", ".join(PERSISTENT_BACKENDS)))


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise BridgeError(f"cannot read {path}: {exc}") from exc


def _is_ours(path: str, name: str) -> bool:
    text = _read(path)
    return text is not None and text.splitlines()[:1] == [marker(name)]


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _true(value: bool) -> str:
    return "true" if value else "false"


# ---------------------------------------------------------------------------------------------- netplan


def netplan_path(spec: BridgeSpec, root: str = "/", config_file: str | None = None) -> str:
    """The netplan file: it sorts after cloud-init's 50-cloud-init.yaml, so its settings win on merge."""
    if config_file:
        return _under(root, config_file)
    return _under(root, f"{NETPLAN_DIR}/60-palmfarm-{spec.name}.yaml")


def netplan_bridge(spec: BridgeSpec, ids: dict[str, str] | None = None) -> list[tuple[int, str]]:
    """The bridge's netplan definition as (level, line), level 0 being `BRIDGE:`. Its interfaces are netplan
    ids: `ids` maps a port to the id of the users' definition of it where the two differ (`set-name`, `match`)."""
    interfaces = dict.fromkeys((ids or {}).get(port, port) for port in spec.ports)
    items = [(0, f"{spec.name}:"), (1, "interfaces: [{}]".format(", ".join(interfaces)))]
    if spec.mac:
        items.append((1, f'macaddress: "{spec.mac}"'))
    items += [(1, "parameters:"), (2, f"stp: {_true(spec.stp)}"), (2, f"forward-delay: {spec.forward_delay:d}"),
              (1, f"dhcp4: {_true(spec.dhcp4)}"), (1, f"dhcp6: {_true(spec.dhcp6)}"),
              (1, f"accept-ra: {_true(spec.accept_ra)}")]
    if spec.addr_gen_mode:
        items.append((1, f"ipv6-address-generation: {spec.addr_gen_mode}"))
    if spec.addresses:
        items.append((1, "addresses: [{}]".format(", ".join(f'"{a}"' for a in spec.addresses))))
    if spec.routes:
        items.append((1, "routes:"))
        for destination, gateway in spec.routes:
            items += [(2, f'- to: "{destination}"'), (2, f'  via: "{gateway}"')]
    if spec.nameservers or spec.search:
        items.append((1, "nameservers:"))
        if spec.nameservers:
            items.append((2, "addresses: [{}]".format(", ".join(f'"{a}"' for a in spec.nameservers))))
        if spec.search:
            items.append((2, "search: [{}]".format(", ".join(f'"{a}"' for a in spec.search))))
    return items


def render_netplan(spec: BridgeSpec, ids: dict[str, str] | None = None) -> str:
    """The netplan YAML. netplan merges the definitions of one id across files, so a port's `match:`/`set-name:`
    stays in the file that has it (cloud-init's) and this file, under the same id (`ids`, see netplan_bridge),
    only turns the port's own addressing off. Under another id, netplan would render a second .network file for
    the port, and systemd-networkd would use only the first."""
    lines = [marker(spec.name), "---", "network:", "  version: 2", "  ethernets:"]
    for ident in dict.fromkeys((ids or {}).get(port, port) for port in spec.ports):
        lines += [f"    {ident}:", "      dhcp4: false", "      dhcp6: false", "      accept-ra: false"]
        if spec.port_disable_ipv6:
            lines.append("      link-local: []")
    lines += ["  bridges:"] + ["    " + "  " * level + line for level, line in netplan_bridge(spec, ids)]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------- networkd


def networkd_paths(spec: BridgeSpec, root: str = "/") -> dict[str, str]:
    """Role -> path: "netdev", "network" and "port:<port>" for each port."""
    base = _under(root, NETWORKD_DIR)
    paths = {
        "netdev": os.path.join(base, f"{NETWORKD_PREFIX}{spec.name}.netdev"),
        "network": os.path.join(base, f"{NETWORKD_PREFIX}{spec.name}.network"),
    }
    for port in spec.ports:
        paths["port:" + port] = os.path.join(base, f"{NETWORKD_PREFIX}{spec.name}-port-{port}.network")
    return paths


# networkd's DHCP= value for (dhcp4, dhcp6).
_NETWORKD_DHCP = {(True, True): "yes", (True, False): "ipv4", (False, True): "ipv6", (False, False): "no"}


def _networkd_dhcp(spec: BridgeSpec) -> str:
    return _NETWORKD_DHCP[(bool(spec.dhcp4), bool(spec.dhcp6))]


def render_networkd(spec: BridgeSpec) -> dict[str, str]:
    """Role -> file text for systemd-networkd (see networkd_paths for the roles)."""
    netdev = [marker(spec.name), "[NetDev]", f"Name={spec.name}", "Kind=bridge"]
    if spec.mac:
        netdev.append(f"MACAddress={spec.mac}")
    netdev += ["", "[Bridge]", f"STP={_yes(spec.stp)}", f"ForwardDelaySec={spec.forward_delay:d}"]
    network = [
        marker(spec.name), "[Match]", f"Name={spec.name}", "", "[Network]",
        f"DHCP={_networkd_dhcp(spec)}",
        f"IPv6AcceptRA={_yes(spec.accept_ra)}",
    ]
    if spec.addr_gen_mode:
        network.append(f"IPv6LinkLocalAddressGenerationMode={spec.addr_gen_mode}")
    network.append("ConfigureWithoutCarrier=yes")
    network += [f"Address={a}" for a in spec.addresses] + [f"DNS={a}" for a in spec.nameservers]
    if spec.search:
        network.append("Domains={}".format(" ".join(spec.search)))
    for destination, gateway in spec.routes:
        network += ["", "[Route]"] + ([] if destination == DEFAULT else [f"Destination={destination}"])
        network.append(f"Gateway={gateway}")
    texts = {"netdev": "\n".join(netdev) + "\n", "network": "\n".join(network) + "\n"}
    for port in spec.ports:
        lines = [marker(spec.name), "[Match]", f"Name={port}", "", "[Network]", f"Bridge={spec.name}",
                 "DHCP=no", "IPv6AcceptRA=no"]
        if spec.port_disable_ipv6:
            lines.append("LinkLocalAddressing=no")
        texts["port:" + port] = "\n".join(lines) + "\n"
    return texts


# ---------------------------------------------------------------------------------------------- ifupdown


def ifupdown_path(spec: BridgeSpec, root: str = "/", config_file: str | None = None) -> str:
    if config_file:
        return _under(root, config_file)
    return _under(root, f"{IFUPDOWN_DIR}/palmfarm-{spec.name}")


def _ifupdown_family(spec: BridgeSpec, v6: bool) -> list[str]:
    """The static part of one family's stanza: first address, gateway and DNS as options, the rest as `up`."""
    addresses = [a for a in spec.addresses if is_v6(a) == v6]
    routes = [(d, g) for d, g in spec.routes if is_v6(g) == v6]
    ip = "ip -6" if v6 else "ip"
    lines, ups = [], []
    static = addresses and (v6 and not spec.dhcp6 and not spec.accept_ra or not v6 and not spec.dhcp4)
    if static:
        lines.append(f"    address {addresses[0]}")
        addresses = addresses[1:]
    ups += [f"    up {ip} address add {a} dev $IFACE" for a in addresses]
    for destination, gateway in routes:
        if static and destination == DEFAULT and not any(line.startswith("    gateway ") for line in lines):
            lines.append(f"    gateway {gateway}")
        else:
            ups.append(f"    up {ip} route add {destination} via {gateway} dev $IFACE")
    servers = [a for a in spec.nameservers if is_v6(a) == v6]
    if servers:
        lines.append("    dns-nameservers {}".format(" ".join(servers)))
    if spec.search and not v6:
        lines.append("    dns-search {}".format(" ".join(spec.search)))
    return lines + ups


def render_ifupdown(spec: BridgeSpec, kept_marks: tuple[str, ...] = ()) -> str:
    """The ifupdown stanzas (bridge-utils options): the bridge for IPv4 and IPv6, and each port as manual.
    `kept_marks` are auto/allow-* lines of the users' files that named a port beside other interfaces."""
    v4_static = any(not is_v6(a) for a in spec.addresses) and not spec.dhcp4
    lines = [marker(spec.name), *kept_marks, f"auto {spec.name}",
             "iface {} inet {}".format(spec.name, "dhcp" if spec.dhcp4 else "static" if v4_static else "manual"),
             "    bridge_ports {}".format(" ".join(spec.ports)),
             "    bridge_stp %s" % ("on" if spec.stp else "off"),
             f"    bridge_fd {spec.forward_delay:d}"]
    if spec.mac:
        lines.append(f"    hwaddress ether {spec.mac}")
    # The bridge has the addressing now: what the port's DHCP client left on it goes (ifdown stops busybox's
    # udhcpc with two signals back to back, and it can exit without taking its address away; the port then kept
    # it, with a route for the LAN through the port, beside the bridge's).
    lines += [f"    pre-up ip -4 address flush dev {port}" for port in spec.ports]
    if spec.port_disable_ipv6:
        # Off while the port is in the bridge, on again when the bridge goes down (ifdown, state absent), so that the
        # port's own `inet6 auto` stanza gets its SLAAC address back: ifupdown itself never sets disable_ipv6.
        lines += [f"    pre-up sysctl -q -w net.ipv6.conf.{port}.disable_ipv6=1" for port in spec.ports]
        lines += [f"    post-down sysctl -q -w net.ipv6.conf.{port}.disable_ipv6=0" for port in spec.ports]
    # bridge-utils sets each port's addrgenmode to none as it joins the bridge and leaves it so: the port would
    # form no link-local address again, so it could neither solicit a router nor take a SLAAC address. The
    # kernel's default comes back when the bridge goes down.
    lines += [f"    post-down sysctl -q -w net.ipv6.conf.{port}.addr_gen_mode="
              f"$(cat /proc/sys/net/ipv6/conf/default/addr_gen_mode)" for port in spec.ports]
    lines += _ifupdown_family(spec, v6=False)
    lines.append("")
    v6_static = any(is_v6(a) for a in spec.addresses) and not spec.dhcp6 and not spec.accept_ra
    if spec.accept_ra:
        lines += [f"iface {spec.name} inet6 auto", "    accept_ra 2", f"    dhcp {1 if spec.dhcp6 else 0}"]
    elif spec.dhcp6:
        lines += [f"iface {spec.name} inet6 dhcp", "    accept_ra 0"]
    elif v6_static:
        lines += [f"iface {spec.name} inet6 static", "    accept_ra 0", "    autoconf 0"]
    else:
        lines += [f"iface {spec.name} inet6 manual",
                  "    pre-up sysctl -q -w net.ipv6.conf.$IFACE.accept_ra=0"]
    if spec.addr_gen_mode:
        # 0: EUI-64; 3: stable privacy with a kernel-made secret (2 needs stable_secret set by hand).
        mode = 0 if spec.addr_gen_mode == "eui64" else 3
        lines.append(f"    pre-up sysctl -q -w net.ipv6.conf.$IFACE.addr_gen_mode={mode}")
    lines += _ifupdown_family(spec, v6=True)
    for port in spec.ports:
        lines += ["", f"iface {port} inet manual"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------- NetworkManager


def nm_connection_id(spec: BridgeSpec, port: str | None = None) -> str:
    return f"palmfarm-{spec.name}" if port is None else f"palmfarm-{spec.name}-{port}"


def nm_paths(spec: BridgeSpec, root: str = "/") -> dict[str, str]:
    """Role -> path: "bridge" and "port:<port>" for each port."""
    base = _under(root, NM_DIR)
    paths = {"bridge": os.path.join(base, nm_connection_id(spec) + ".nmconnection")}
    for port in spec.ports:
        paths["port:" + port] = os.path.join(base, nm_connection_id(spec, port) + ".nmconnection")
    return paths


def _nm_uuid(connection_id: str) -> str:
    return str(uuid.uuid5(NM_UUID_NAMESPACE, connection_id))


def _nm_family(spec: BridgeSpec, addresses: list[str], v6: bool) -> list[str]:
    lines = [f"address{number}={address}" for number, address in enumerate(addresses, 1)]
    routes = [(d, g) for d, g in spec.routes if is_v6(g) == v6]
    gateways = [g for d, g in routes if d == DEFAULT]
    if gateways:
        lines.append(f"gateway={gateways[0]}")
    others = [(d, g) for d, g in routes if d != DEFAULT]
    lines += [f"route{number}={d},{g}" for number, (d, g) in enumerate(others, 1)]
    servers = [a for a in spec.nameservers if is_v6(a) == v6]
    if servers:
        lines.append("dns={};".format(";".join(servers)))
    if spec.search and not v6:
        lines.append("dns-search={};".format(";".join(spec.search)))
    return lines


def render_nm(spec: BridgeSpec) -> dict[str, str]:
    """Role -> NetworkManager keyfile text. Ports use `master=`/`slave-type=` (read by every NM release; NM
    1.46 and newer read them as `controller=`/`port-type=`)."""
    bridge_id = nm_connection_id(spec)
    bridge = [marker(spec.name), "[connection]", f"id={bridge_id}", f"uuid={_nm_uuid(bridge_id)}",
              "type=bridge", f"interface-name={spec.name}", "autoconnect-slaves=1", ""]
    if spec.mac:
        bridge += ["[ethernet]", f"cloned-mac-address={spec.mac}", ""]
    bridge += ["[bridge]", f"stp={_true(spec.stp)}"]
    if spec.stp:
        # NetworkManager accepts 2..30 s; without STP the kernel ignores the forward delay anyway.
        bridge.append(f"forward-delay={spec.forward_delay:d}")
    v4 = [a for a in spec.addresses if not is_v6(a)]
    v6 = [a for a in spec.addresses if is_v6(a)]
    bridge += ["", "[ipv4]", "method=%s" % ("auto" if spec.dhcp4 else "manual" if v4 else "disabled")]
    bridge += _nm_family(spec, v4, v6=False) + ["", "[ipv6]"]
    if spec.accept_ra:
        bridge.append("method=auto")
    elif spec.dhcp6:
        bridge.append("method=dhcp")
    else:
        bridge.append("method=manual" if v6 else "method=disabled")
    if spec.addr_gen_mode:
        bridge.append(f"addr-gen-mode={spec.addr_gen_mode}")
    bridge += _nm_family(spec, v6, v6=True)
    texts = {"bridge": "\n".join(bridge) + "\n"}
    for port in spec.ports:
        port_id = nm_connection_id(spec, port)
        lines = [marker(spec.name), "[connection]", f"id={port_id}", f"uuid={_nm_uuid(port_id)}",
                 "type=ethernet", f"interface-name={port}", f"master={spec.name}", "slave-type=bridge",
                 "autoconnect-priority=10", "", "[ethernet]", "", "[bridge-port]"]
        texts["port:" + port] = "\n".join(lines) + "\n"
    return texts


# ---------------------------------------------------------------------------------------------- planning


def _our_paths(spec: BridgeSpec, backend: str, root: str, config_file: str | None) -> list[str]:
    if backend == "netplan":
        return [netplan_path(spec, root, config_file)]
    if backend == "ifupdown":
        return [ifupdown_path(spec, root, config_file)]
    if config_file:
        where = "/" + (NETWORKD_DIR if backend == "networkd" else NM_DIR)
        raise BridgeError(f"config_file {config_file!r} is for the netplan and ifupdown backends; {backend} writes "
                          f"one file per interface under {where}, so leave config_file unset")
    return list((networkd_paths(spec, root) if backend == "networkd" else nm_paths(spec, root)).values())


def in_place(spec: BridgeSpec, backend: str, root: str, config_file: str | None) -> str | None:
    """The user's own file that config_file names (it exists and this collection did not write it): the change
    is made inside it, keeping everything else, and state absent takes out only what was added."""
    if not config_file or backend not in ("netplan", "ifupdown"):
        return None
    path = _our_paths(spec, backend, root, config_file)[0]
    return path if os.path.isfile(path) and not _is_ours(path, spec.name) and \
        not (_read(path) or "").startswith(userfiles.OURS) else None


def users_files(spec: BridgeSpec, backend: str, root: str = "/", config_file: str | None = None) -> userfiles.Found:
    """What the users' files configure on the ports and the bridge, and the edits that move it to the bridge."""
    _check_backend(backend)
    ours = set(_our_paths(spec, backend, root, config_file)) - {in_place(spec, backend, root, config_file)}
    if backend == "netplan":
        return userfiles.netplan(root, spec.ports, spec.name, ours)
    if backend == "ifupdown":
        return userfiles.ifupdown(root, spec.ports, spec.name, ours)
    if backend == "networkd":
        paths = networkd_paths(spec, root)
        interfaces = {spec.name: paths["network"], **{port: paths["port:" + port] for port in spec.ports}}
        return userfiles.networkd(root, interfaces, spec.name, ours)
    return userfiles.nm(root, spec.ports, spec.name, ours)


def current_addressing(spec: BridgeSpec, backend: str, root: str = "/", config_file: str | None = None
                       ) -> Addressing:
    """The ports' (and an existing bridge definition's) addressing in the users' files, for the bridge to inherit.
    Raises BridgeError when a users' file would keep a port out of the bridge (networkd)."""
    return users_files(spec, backend, root, config_file).addressing


def inherited_spec(spec: BridgeSpec, backend: str, root: str = "/", config_file: str | None = None,
                   request: BridgeRequest | None = None) -> tuple[BridgeSpec, Addressing]:
    """The bridge with the addressing it inherits from the users' files (see options.with_addressing; no
    request: the module's defaults), and what was found there."""
    found = current_addressing(spec, backend, root, config_file)
    return with_addressing(spec, found, request or BridgeRequest()), found


def _wanted(spec: BridgeSpec, backend: str, root: str, config_file: str | None,
            found: userfiles.Found | None = None) -> dict[str, str]:
    """Path -> wanted text of every file the bridge needs (found: what the users' files hold, with the ports'
    lines moved)."""
    found = found or userfiles.Found()
    taken, kept_marks, ids = found.taken, tuple(found.kept_marks), found.netplan_ids
    paths = _our_paths(spec, backend, root, config_file)
    inside = in_place(spec, backend, root, config_file)
    if inside:
        text = taken.get(inside)
        text = userfiles.restore(_read(inside) or "", spec.name) if text is None else text
        if backend == "netplan":
            return {inside: userfiles.netplan_insert(inside, text, spec.name, netplan_bridge(spec, ids))}
        block = render_ifupdown(spec, kept_marks) + userfiles.block_end(spec.name) + "\n"
        return {inside: userfiles.with_block(text, block)}
    if backend == "netplan":
        return {paths[0]: render_netplan(spec, ids)}
    if backend == "ifupdown":
        return {paths[0]: render_ifupdown(spec, kept_marks)}
    if backend == "networkd":
        paths_by_role, texts = networkd_paths(spec, root), render_networkd(spec)
    else:
        paths_by_role, texts = nm_paths(spec, root), render_nm(spec)
    return {paths_by_role[role]: texts[role] for role in paths_by_role}


def _touched_on_disk(spec: BridgeSpec, backend: str, root: str, config_file: str | None) -> list[str]:
    """Users' files with lines moved to this bridge, or lines and blocks added for it."""
    if backend == "netplan":
        candidates = sorted(glob.glob(_under(root, NETPLAN_DIR + "/*.yaml")))
    elif backend == "ifupdown":
        candidates = userfiles.ifupdown_files(root)
    else:
        return []
    inside = in_place(spec, backend, root, config_file)
    candidates += [inside] if inside and inside not in candidates else []
    texts = {path: _read(path) or "" for path in candidates}
    return [path for path, text in texts.items()
            if not text.startswith(userfiles.OURS) and userfiles.touched(text, spec.name)]


def _ours_on_disk(spec: BridgeSpec, backend: str, root: str, config_file: str | None) -> list[str]:
    """Files on disk written for this bridge by this collection (the marker line proves it)."""
    if backend == "netplan":
        candidates = glob.glob(_under(root, NETPLAN_DIR + "/*.yaml"))
        if config_file:
            candidates.append(netplan_path(spec, root, config_file))
    elif backend == "ifupdown":
        candidates = glob.glob(_under(root, IFUPDOWN_DIR + "/palmfarm-*"))
        if config_file:
            candidates.append(ifupdown_path(spec, root, config_file))
    elif backend == "networkd":
        candidates = glob.glob(_under(root, NETWORKD_DIR + "/" + NETWORKD_PREFIX + "*"))
    else:
        candidates = glob.glob(_under(root, NM_DIR + "/palmfarm-*.nmconnection"))
    return sorted({path for path in candidates if _is_ours(path, spec.name)})


def plan_files(spec: BridgeSpec, backend: str, root: str = "/", config_file: str | None = None,
               state: str = "present") -> list[FileChange]:
    """The files to write (after is the text) and to remove (after is None), with what is there now (before).

    present: every file the bridge needs, then the removal of files this collection wrote earlier for the same
    bridge that are no longer needed (a port that left it, a config_file that moved). absent: the removal of
    every file written for this bridge; files without this collection's marker line are never touched.
    Unchanged files are included (FileChange.changed is False) so the caller can show them in the diff.
    """
    _check_backend(backend)
    if state not in STATES:
        raise BridgeError(f"state {state!r} cannot be planned as files; use present or absent")
    if state == "present":
        found = users_files(spec, backend, root, config_file)
        wanted = _wanted(spec, backend, root, config_file, found)
        edits = found.edits
    else:
        wanted = {}
        edits = {}
        for path in _touched_on_disk(spec, backend, root, config_file):
            text = _read(path) or ""
            edits[path] = (text, userfiles.restore(text, spec.name))
    changes = [FileChange(path, _read(path), text) for path, text in wanted.items()]
    changes += [FileChange(path, before, after) for path, (before, after) in edits.items() if path not in wanted]
    for path in _ours_on_disk(spec, backend, root, config_file):
        if path not in wanted and path not in edits:
            changes.append(FileChange(path, _read(path), None))
    return changes


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w.:-]){re.escape(name)}(?![\w.-])", text) is not None


def plan_warnings(spec: BridgeSpec, backend: str, root: str = "/", config_file: str | None = None,
                  state: str = "present") -> list[str]:
    """Sentences about the host's other configuration that the change does not fix by itself.

    netplan: a file sorting after ours that names the bridge or a port (its values would win on merge).
    ifupdown: /etc/network/interfaces without `source /etc/network/interfaces.d/*` (the file would be ignored).
    nm and networkd: a NetworkManager profile bound to a port or to the bridge's name. (A networkd file that
    would keep a port out of the bridge is an error, raised by plan_files.)
    """
    _check_backend(backend)
    if state != "present":
        return []
    ours = set(_our_paths(spec, backend, root, config_file))
    if backend == "netplan":
        return _netplan_warnings(spec, root, config_file, ours)
    if backend == "ifupdown":
        return _ifupdown_warnings(spec, root, config_file)
    return _nm_warnings(spec, root, ours)


def _netplan_warnings(spec: BridgeSpec, root: str, config_file: str | None, ours: set[str]) -> list[str]:
    """A netplan file sorting after ours that names the bridge or a port; ours where netplan does not read it."""
    names = (spec.name,) + tuple(spec.ports)
    path = netplan_path(spec, root, config_file)
    warnings = []
    for other in sorted(glob.glob(_under(root, NETPLAN_DIR + "/*.yaml"))):
        text = _read(other) or ""
        if other in ours or _is_ours(other, spec.name):
            continue
        if os.path.basename(other) > os.path.basename(path):
            hits = [name for name in names if _mentions(text, name)]
            if hits:
                warnings.append(f"{other} sorts after {path} and also names {', '.join(hits)}; netplan lets "
                                "the later file win, so move that setting or name config_file so it sorts last")
    if os.path.dirname(path) != _under(root, NETPLAN_DIR) or not path.endswith(".yaml"):
        warnings.append(f"netplan reads only /etc/netplan/*.yaml, so {path} would be ignored; put config_file "
                        "there")
    return warnings


def _ifupdown_warnings(spec: BridgeSpec, root: str, config_file: str | None) -> list[str]:
    """/etc/network/interfaces missing, or (without config_file) without the source line that reads our file."""
    main = _under(root, IFUPDOWN_FILE)
    main_text = _read(main)
    path = ifupdown_path(spec, root, config_file)
    if main_text is None:
        return [f"{main} does not exist, so ifupdown will not read {path}; create it with a line "
                "'source /etc/network/interfaces.d/*'"]
    if not config_file and not re.search(r"^\s*source(-directory)?\s+/etc/network/interfaces\.d", main_text,
                                         re.MULTILINE):
        return [f"{main} has no 'source /etc/network/interfaces.d/*' line, so ifupdown will not read {path}; add "
                "that line"]
    return []


def _nm_warnings(spec: BridgeSpec, root: str, ours: set[str]) -> list[str]:
    """Another NetworkManager profile bound to a port (by name, or by the port's MAC) or to the bridge's name."""
    macs = userfiles.port_macs(root, spec.ports)
    warnings = []
    for other in sorted(glob.glob(_under(root, NM_DIR + "/*"))):
        if other in ours or _is_ours(other, spec.name):
            continue
        text = _read(other) or ""
        bound = [name for name in (spec.name,) + tuple(spec.ports)
                 if addressing.nm_bound_to(text, name, macs.get(name))]
        if bound:
            warnings.append(f"NetworkManager profile {other} is also bound to {bound[0]} and may "
                            f"activate instead of {nm_connection_id(spec)}; delete it or set autoconnect=false "
                            "in it")
    return warnings


IFUPDOWN_BRIDGE_HOOK = "etc/network/if-pre-up.d/bridge"  # bridge-utils' hook that turns bridge_ports into a bridge


def preflight(spec: BridgeSpec, backend: str, root: str = "/", state: str = "present") -> None:
    """Refuse, before anything is changed, a change the backend cannot make on this host."""
    hook = _under(root, IFUPDOWN_BRIDGE_HOOK)
    if backend == "ifupdown" and state == "present" and not os.path.exists(hook):
        raise BridgeError(f"ifupdown makes bridges from bridge_ports only with the bridge-utils package, and it is not "
                          f"installed ({hook} is missing), so 'ifup {spec.name}' would fail; install it first "
                          "(apt-get install bridge-utils), or choose another backend")


def pre_commands(backend: str, spec: BridgeSpec, state: str = "present") -> list[list[str]]:
    """The commands to run before the files change: ifdown needs the stanza it brought an interface up with,
    so the ports (present) or the bridge (absent) go down while their stanzas are still there."""
    _check_backend(backend)
    if backend != "ifupdown":
        return []
    if state == "present":
        return [["ifdown", "--force", port] for port in spec.ports]
    return [["ifdown", "--force", spec.name]]


def deleted_link(command: list[str]) -> str | None:
    """The link an apply command deletes: the caller skips the command when the link is gone already (removed by
    the network tool itself, or never brought up)."""
    if command[:2] == ["networkctl", "delete"] or command[:3] == ["ip", "link", "delete"]:
        return command[-1]
    return None


def apply_commands(backend: str, spec: BridgeSpec, state: str = "present") -> list[list[str]]:
    """The commands, in order, that make the written (or removed) files live. Each is an argv list.

    ifupdown: see pre_commands for the ifdown that comes before the files change. A failed ifdown (an interface
    ifupdown never brought up) is harmless; the caller treats it as a warning and a failed ifup as an error.
    """
    _check_backend(backend)
    if state not in STATES:
        raise BridgeError(f"state {state!r} has no apply commands; use present or absent")
    ports = list(spec.ports)
    if backend == "netplan":
        # netplan apply leaves a virtual device that left the configuration in place (eth0 free, br0 empty but up):
        # the bridge is deleted after it, as a reboot would not create it again.
        return [["netplan", "apply"]] + ([["ip", "link", "delete", spec.name]] if state == "absent" else [])
    if backend == "networkd":
        if state == "present":
            return [["networkctl", "reload"], ["networkctl", "reconfigure", spec.name] + ports]
        commands = [["networkctl", "reload"], ["networkctl", "delete", spec.name]]
        return commands + ([["networkctl", "reconfigure"] + ports] if ports else [])
    if backend == "ifupdown":
        if state == "present":
            return [["ifup", spec.name]]
        # bridge-utils deletes the bridge at ifdown (post-down), but not when it is up again by then: ifdown stops
        # busybox's udhcpc without waiting, and its deconfig script sets the link up. Whatever is left goes here.
        return [["ip", "link", "delete", spec.name]] + [["ifup", port] for port in ports]
    if state == "present":
        return [["nmcli", "connection", "reload"], ["nmcli", "connection", "up", nm_connection_id(spec)]]
    return [["nmcli", "connection", "reload"]]
