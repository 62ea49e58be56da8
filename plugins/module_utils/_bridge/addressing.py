# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A port's addressing as the host's network tool has it (DHCP, static addresses, routes, DNS, router
advertisements), read from the users' own configuration text, so that a persistent bridge inherits it.

Pure parsing: every reader takes text (or, for netplan, YAML already loaded) and returns `Addressing`; nothing
here reads the disk. The readers understand what the distributions and their installers write:

- netplan: `ethernets.<id>` (an id that is the port, or whose `set-name` is the port, as cloud-init writes)
  and `bridges.<bridge>`: dhcp4, dhcp6, accept-ra, addresses, gateway4/gateway6, routes, nameservers.
- ifupdown: `iface PORT inet dhcp|static|manual` and `iface PORT inet6 auto|dhcp|static|manual` with address,
  netmask, gateway, dns-nameservers, dns-search, accept_ra and dhcp.
- systemd-networkd: [Network] DHCP, Address, Gateway, DNS, Domains, IPv6AcceptRA; [Address]; [Route].
- NetworkManager keyfiles: [ipv4]/[ipv6] method, addressN, gateway, dns, dns-search, routeN.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping

from .._net.addresses import ADDR_GEN_MODES, AddressError, normalize_mac
from .spec import BridgeError

DEFAULT = "default"  # the destination of a default route


@dataclass(frozen=True)
class Addressing:
    """Layer-3 settings of one interface. None: the configuration does not say (the tool's default applies)."""

    dhcp4: bool | None = None
    dhcp6: bool | None = None
    accept_ra: bool | None = None
    addresses: tuple[str, ...] = ()  # with prefix length: 192.0.2.10/24, 2001:db8::10/64
    routes: tuple[tuple[str, str], ...] = ()  # (destination or "default", gateway)
    nameservers: tuple[str, ...] = ()
    search: tuple[str, ...] = ()
    addr_gen_mode: str | None = None  # how SLAAC addresses are formed: eui64 or stable-privacy
    sources: tuple[str, ...] = field(default=(), compare=False)  # the files it was read from

    def merged(self, later: Addressing) -> Addressing:
        """self, then `later` on top: a value `later` states wins, lists are joined (as netplan merges)."""
        def pick(mine: Any, theirs: Any) -> Any:
            return mine if theirs is None else theirs
        return Addressing(
            dhcp4=pick(self.dhcp4, later.dhcp4), dhcp6=pick(self.dhcp6, later.dhcp6),
            accept_ra=pick(self.accept_ra, later.accept_ra),
            addr_gen_mode=pick(self.addr_gen_mode, later.addr_gen_mode),
            addresses=_joined(self.addresses, later.addresses), routes=_joined(self.routes, later.routes),
            nameservers=_joined(self.nameservers, later.nameservers), search=_joined(self.search, later.search),
            sources=_joined(self.sources, later.sources))

    @property
    def empty(self) -> bool:
        return self == Addressing()

    def from_file(self, path: str) -> Addressing:
        return self if self.empty else replace(self, sources=(path,))


def merge_all(parts: Iterable[Addressing]) -> Addressing:
    result = Addressing()
    for part in parts:
        result = result.merged(part)
    return result


def _joined(first: tuple[Any, ...], second: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(dict.fromkeys(first + second))


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in ("yes", "true", "on", "1", "2"):
        return True
    if text in ("no", "false", "off", "0"):
        return False
    return None


def _family(address: str) -> int:
    try:
        return ipaddress.ip_interface(address.split("/")[0]).version
    except ValueError:
        return 0


def is_v6(address: str) -> bool:
    return _family(address) == 6


def _destination(text: str) -> str:
    return DEFAULT if text in (DEFAULT, "0.0.0.0/0", "::/0", "0/0") else text


def _with_prefix(address: str, netmask: str | None, v6: bool) -> str:
    if "/" in address or not netmask:
        return address if "/" in address else f"{address}/{128 if v6 else 32}"
    if netmask.isdigit():
        return f"{address}/{netmask}"
    try:
        return f"{address}/{ipaddress.ip_network(f'0.0.0.0/{netmask}').prefixlen}"
    except ValueError:
        return f"{address}/{netmask}"


# ---------------------------------------------------------------------------------------------- netplan

# The words the tools' files use for the ways SLAAC addresses are formed, to the bridge's own (ADDR_GEN_MODES):
# NetworkManager's `default` is its global default, stable-privacy unless NetworkManager.conf says otherwise,
# and `default-or-eui64` the same with eui64; a keyfile without the key means eui64 (what the bridge's own
# profile then gets too: the key is left out).
ADDR_GEN_MODE_WORDS = {**{mode: mode for mode in ADDR_GEN_MODES}, "default": "stable-privacy",
                       "default-or-eui64": "eui64"}

NETPLAN_KEYS = ("dhcp4", "dhcp6", "accept-ra", "addresses", "gateway4", "gateway6", "routes", "nameservers")


def _mac(value: Any) -> str:
    """A MAC as written in a configuration, as sysfs shows it (normalize_mac); a value that is no MAC is kept as
    written, lower case, and matches no interface."""
    try:
        return normalize_mac(str(value))
    except AddressError:
        return str(value).strip().lower()


def netplan_named(ident: str, settings: dict[str, Any], ports: Iterable[str],
                  macs: Mapping[str, str] | None = None) -> str | None:
    """The port a netplan `ethernets` definition is the definition of: the one its `set-name` gives (as
    cloud-init writes on a Pi: `match: macaddress:` and `set-name: eth0`), else the one its id names, else the
    one whose MAC (`macs`: port -> MAC) its `match: macaddress:` gives, keeping the kernel's name (an id such
    as `lan` that is no interface's name). The id and the kernel name may differ (`eth0` with `set-name: lan0`)."""
    ports = list(ports)
    name = settings.get("set-name")
    if name:
        return str(name) if str(name) in ports else None
    if ident in ports:
        return ident
    match = settings.get("match")
    if not isinstance(match, dict) or not match.get("macaddress") or not macs:
        return None
    pattern = match.get("name")
    for port in ports:
        if macs.get(port) == _mac(match["macaddress"]) and \
                (not isinstance(pattern, str) or fnmatch.fnmatchcase(port, pattern)):
            return port
    return None


def netplan_ports(ident: str, settings: dict[str, Any], ports: Iterable[str],
                  macs: Mapping[str, str] | None = None) -> list[str]:
    """The ports (kernel names) a netplan `ethernets` definition configures: the one it is the definition of
    (netplan_named), else those its `match: name:` glob matches (Ubuntu's images: `zz-all-eth`
    with `name: eth*`, a definition shared by every interface it matches)."""
    ports = list(ports)
    named = netplan_named(ident, settings, ports, macs)
    match = settings.get("match")
    if named or settings.get("set-name") or (isinstance(match, dict) and match.get("macaddress")):
        return [named] if named else []
    pattern = match.get("name") if isinstance(match, dict) else None
    return [port for port in ports if fnmatch.fnmatchcase(port, pattern)] if isinstance(pattern, str) else []


def netplan_stanzas(data: Any, ports: Iterable[str], bridge: str,
                    macs: Mapping[str, str] | None = None) -> list[tuple[str, str, dict[str, Any]]]:
    """(section, id, settings) of every netplan definition of a port (ethernets, see netplan_ports; `macs`:
    port -> MAC) or of the bridge (bridges), in the order the document has them."""
    ports = list(ports)
    network = data.get("network") if isinstance(data, dict) else None
    found: list[tuple[str, str, dict[str, Any]]] = []
    if not isinstance(network, dict):
        return found
    for section in ("ethernets", "bridges"):
        for ident, settings in (network.get(section) or {}).items():
            if not isinstance(settings, dict):
                settings = {}
            if (section == "ethernets" and netplan_ports(str(ident), settings, ports, macs)) or \
                    (section == "bridges" and ident == bridge):
                found.append((section, str(ident), settings))
    return found


def from_netplan(settings: dict[str, Any]) -> Addressing:
    addresses: list[Any] = []
    for entry in settings.get("addresses") or []:
        addresses.extend(entry if isinstance(entry, dict) else [entry])
    routes = [(_destination(str(route.get("to", ""))), str(route["via"]))
              for route in settings.get("routes") or [] if isinstance(route, dict) and route.get("via")]
    for key in ("gateway4", "gateway6"):
        if settings.get(key):
            routes.append((DEFAULT, str(settings[key])))
    nameservers = settings.get("nameservers") or {}
    return Addressing(
        dhcp4=_bool(settings.get("dhcp4")), dhcp6=_bool(settings.get("dhcp6")),
        accept_ra=_bool(settings.get("accept-ra")),
        addresses=tuple(str(a) for a in addresses), routes=tuple(routes),
        nameservers=tuple(str(a) for a in nameservers.get("addresses") or []),
        search=tuple(str(a) for a in nameservers.get("search") or []),
        addr_gen_mode=ADDR_GEN_MODE_WORDS.get(str(settings.get("ipv6-address-generation", "")).strip().lower()))


# ---------------------------------------------------------------------------------------------- ifupdown

IFUPDOWN_STANZA = re.compile(r"^(iface|auto|allow-\S+|mapping|source|source-directory|rename|no-auto-down|"
                             r"no-scripts)\b")


@dataclass(frozen=True)
class IfupdownStanza:
    """One `iface NAME FAMILY METHOD` stanza: its line numbers (0-based) and options."""

    name: str
    family: str
    method: str
    lines: tuple[int, ...]
    options: tuple[tuple[str, str], ...]


def ifupdown_stanzas(text: str) -> tuple[list[IfupdownStanza], list[tuple[int, str, list[str]]]]:
    """The iface stanzas and the auto/allow-* lines (line number, keyword, names) of an interfaces(5) file."""
    stanzas: list[IfupdownStanza] = []
    marks: list[tuple[int, str, list[str]]] = []
    current: dict[str, Any] | None = None
    lines = text.splitlines()

    def close() -> None:
        if current is not None:
            stanzas.append(IfupdownStanza(current["name"], current["family"], current["method"],
                                          tuple(current["lines"]), tuple(current["options"])))

    for number, raw in enumerate(lines):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        words = line.split()
        if IFUPDOWN_STANZA.match(line):
            close()
            current = None
            if words[0] == "iface" and len(words) >= 4:
                current = {"name": words[1], "family": words[2], "method": words[3], "lines": [number],
                           "options": []}
            elif words[0] == "auto" or words[0].startswith("allow-"):
                marks.append((number, words[0], words[1:]))
        elif current is not None:
            current["lines"].append(number)
            current["options"].append((words[0], " ".join(words[1:])))
    close()
    return stanzas, marks


def from_ifupdown(stanza: IfupdownStanza) -> Addressing:
    options: dict[str, list[str]] = {}
    for key, value in stanza.options:
        options.setdefault(key, []).append(value)

    def one(key: str) -> str | None:
        return options.get(key, [None])[0]

    v6 = stanza.family == "inet6"
    result = Addressing()
    if stanza.family == "inet" and stanza.method == "dhcp":
        result = replace(result, dhcp4=True)
    if v6 and stanza.method in ("auto", "dhcp"):
        ra = _bool(one("accept_ra"))
        result = replace(result, accept_ra=True if ra is None else ra,
                         dhcp6=stanza.method == "dhcp" or _bool(one("dhcp")) is True)
    if stanza.method == "static" and one("address"):
        address = _with_prefix(str(one("address")), one("netmask"), v6)
        ra = _bool(one("accept_ra"))
        # ifupdown's inet6 static leaves router advertisements off unless accept_ra says otherwise.
        result = replace(result, addresses=(address,), accept_ra=(bool(ra) if v6 else result.accept_ra))
    gateway = one("gateway")
    if gateway:
        result = replace(result, routes=((DEFAULT, gateway),))
    nameservers = tuple(" ".join(options.get("dns-nameservers", [])).split())
    search = tuple(" ".join(options.get("dns-search", [])).split())
    return replace(result, nameservers=nameservers, search=search)


# ---------------------------------------------------------------------------------------------- networkd


def ini_entries(text: str, strict: bool = False) -> list[tuple[str, str, str]]:
    """(section, key, value) of a systemd-style or keyfile text, every entry in order (keys may repeat).

    Lines that are neither a [Section] nor Key=Value are skipped; with `strict`, such a line, or a Key=Value
    before any section, is a BridgeError naming it (what a file this collection writes must never hold)."""
    entries = []
    section = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif "=" in line and (section is not None or not strict):
            key, value = line.split("=", 1)
            entries.append((section or "", key.strip(), value.strip()))
        elif strict:
            raise BridgeError(f"line {number} {raw!r} is neither [Section] nor Key=Value inside a section")
    return entries


def networkd_matches(text: str, name: str, mac: str | None = None) -> bool:
    """Whether a .network file's [Match] matches interface `name` (whose MAC is `mac`): Name= (globs, space
    separated, `!` negates) and MACAddress=/PermanentMACAddress= (space separated), every key given having to
    match. A file with neither key is taken to match nothing."""
    entries = [(key, value) for section, key, value in ini_entries(text) if section == "Match"]
    words = " ".join(value for key, value in entries if key == "Name").split()
    mac_words = [_mac(w) for key, value in entries if key in ("MACAddress", "PermanentMACAddress")
                 for w in value.split()]
    if not words and not mac_words:
        return False
    if mac_words and (mac is None or _mac(mac) not in mac_words):
        return False
    negated = [w[1:] for w in words if w.startswith("!")]
    positive = [w for w in words if not w.startswith("!")]
    if any(fnmatch.fnmatchcase(name, w) for w in negated):
        return False
    return not positive or any(fnmatch.fnmatchcase(name, w) for w in positive)


def from_networkd(text: str) -> Addressing:  # noqa: C901
    dhcp4 = dhcp6 = accept_ra = None
    addresses, routes, nameservers, search = [], [], [], []
    route: dict[str, str] = {}

    def end_route() -> None:
        if route.get("Gateway"):
            routes.append((_destination(route.get("Destination", DEFAULT)), route["Gateway"]))

    previous = None
    for section, key, value in ini_entries(text):
        if previous == "Route" and (section != "Route" or key in route):
            end_route()
            route = {}
        previous = section
        if section == "Network":
            if key == "DHCP":
                mode = value.lower()
                dhcp4 = mode in ("yes", "true", "both", "ipv4", "v4")
                dhcp6 = mode in ("yes", "true", "both", "ipv6", "v6")
            elif key == "Address":
                addresses.append(value)
            elif key == "Gateway":
                routes.append((DEFAULT, value))
            elif key == "DNS":
                nameservers.extend(value.split())
            elif key == "Domains":
                search.extend(value.split())
            elif key == "IPv6AcceptRA":
                accept_ra = _bool(value)
        elif section == "Address" and key == "Address":
            addresses.append(value)
        elif section == "Route":
            route[key] = value
    if previous == "Route":
        end_route()
    return Addressing(dhcp4=dhcp4, dhcp6=dhcp6, accept_ra=accept_ra, addresses=tuple(addresses),
                      routes=tuple(routes), nameservers=tuple(nameservers), search=tuple(search))


# ---------------------------------------------------------------------------------------------- NetworkManager


def nm_binding(text: str) -> tuple[str | None, str | None, int, str | None]:
    """(type, interface-name, autoconnect-priority, MAC it is bound to: [ethernet] mac-address) of a keyfile."""
    values = {(s, k): v for s, k, v in ini_entries(text)}
    priority = values.get(("connection", "autoconnect-priority"), "0")
    mac = values.get(("ethernet", "mac-address")) or values.get(("802-3-ethernet", "mac-address"))
    return (values.get(("connection", "type")), values.get(("connection", "interface-name")),
            int(priority) if re.fullmatch(r"-?\d+", priority) else 0, _mac(mac) if mac else None)


def nm_bound_to(text: str, name: str, mac: str | None, types: Iterable[str] | None = None) -> bool:
    """Whether a keyfile (of one of `types`; None: of any) can activate on interface `name` (MAC `mac`): it names it
    (interface-name), or names none and is bound to its MAC (mac-address); both given, both must agree (an
    unknown MAC, None, agrees with any)."""
    kind, interface, dummy, bound_mac = nm_binding(text)
    if (types is not None and kind not in tuple(types)) or (interface is None and (bound_mac is None or mac is None)):
        return False
    return (interface is None or interface == name) and (bound_mac is None or mac is None or bound_mac == _mac(mac))


def _nm_list(value: str) -> list[str]:
    return [part for part in re.split(r"[;,]\s*|\s+", value) if part]


def from_nm(text: str) -> Addressing:  # noqa: C901
    values: dict[str, dict[str, str]] = {}
    for section, key, value in ini_entries(text):
        values.setdefault(section, {})[key] = value
    result = Addressing()
    for family in ("ipv4", "ipv6"):
        settings = values.get(family, {})
        method = settings.get("method", "auto")
        if family == "ipv4" and method == "auto":
            result = replace(result, dhcp4=True)
        if family == "ipv6":
            result = replace(result, accept_ra=method == "auto", dhcp6=method == "dhcp",
                             addr_gen_mode=ADDR_GEN_MODE_WORDS.get(settings.get("addr-gen-mode", "").strip().lower()))
        addresses, routes = [], []
        for key in sorted(settings, key=lambda k: (len(k), k)):
            if re.fullmatch(r"address(es)?\d*", key):
                parts = settings[key].split(",")
                addresses.append(parts[0].strip().rstrip(";"))
                if len(parts) > 1 and parts[1].strip():
                    routes.append((DEFAULT, parts[1].strip().rstrip(";")))
            elif re.fullmatch(r"routes?\d+", key):
                parts = settings[key].split(",")
                if len(parts) > 1 and parts[1].strip():
                    routes.append((_destination(parts[0].strip()), parts[1].strip()))
        if settings.get("gateway"):
            routes.append((DEFAULT, settings["gateway"]))
        result = result.merged(Addressing(addresses=tuple(addresses), routes=tuple(routes),
                                          nameservers=tuple(_nm_list(settings.get("dns", ""))),
                                          search=tuple(_nm_list(settings.get("dns-search", "")))))
    return result
