# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render a BIRD configuration for Babel and RIPng, for BIRD 1.6 (bird6) and BIRD 2.x/3.x.

One request (`ConfigRequest`: the module's options, typed by its adapter) becomes one complete configuration
file. BIRD 1.6 writes ``import``/``export`` inside the protocol, takes whole-second timers and needs a router
id; BIRD 2 and 3 put them in an ``ipv6 { ... }`` channel and take timers with units (``hello interval 50 ms``).
An option the chosen version lacks, or a value BIRD would reject, raises :class:`BirdConfigError` naming the
value, the version and the fix, before anything is written.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

VERSIONS = ("1.6", "2", "3")
PROFILES = ("seed", "stable", "fast")
# Seconds between the kernel protocol's scans, unless the task sets kernel.scan_time. BIRD 3.1 can lose a route
# it writes to the kernel right after withdrawing the one before (a failover does just that) and puts it there only
# at its next scan: in the lab's ring a silently dead link cost 4 to 6 s with scans every 10 s, 1.5 s with 1 s.
# So profile fast scans every second on BIRD 3; a home router's table is small, and a scan of it cheap.
KERNEL_SCAN_TIME = 10
KERNEL_SCAN_TIME_BIRD3_FAST = 1
INTERFACE_TYPES = ("wired", "wireless", "tunnel")

US_PER_MS = 1000
US_PER_S = 1000 * 1000

# BIRD 2 and 3 reject hello and update intervals outside 10 ms .. 655350 ms (2.0.12, 2.17.6 and 3.1.8 take
# 655350 ms and refuse 655360 ms); BIRD 1.6 takes 1 .. 655 whole seconds.
INTERVAL_MIN_US = 10 * US_PER_MS
INTERVAL_MAX_US = 655_350 * US_PER_MS
# 65535 is Babel's infinite cost: BIRD takes it, and the neighbour's routes are then unreachable.
RXCOST_RANGE = (1, 65534)
BABEL_INFINITY = 65535
LIMIT_RANGE = (1, 16)
RIP_TIME_RANGE = (1, 65535)
# BIRD's RIP timers when an interface sets none (1.6, 2 and 3 alike).
RIP_DEFAULT_UPDATE = 30
RIP_DEFAULT_TIMEOUT = 180
# Linux interface names have at most 15 characters (IFNAMSIZ 16 with the terminating NUL); BIRD takes a longer
# name or pattern and never matches it.
IFNAME_MAX = 15

# Where each feature first appeared, for the message when the chosen version lacks it.
SUBSECOND_SINCE = "BIRD 2 (2.0.0)"
LIMIT_SINCE = "BIRD 2 (2.0.0)"
BABEL_AUTH_SINCE = "BIRD 2.0.9"
TUNNEL_SINCE = "BIRD 2.14"
# The same, as (major, minor, patch), checked against the release of the BIRD binary that validates the file.
BABEL_AUTH_RELEASE = (2, 0, 9)
TUNNEL_RELEASE = (2, 14, 0)

# Interface settings each profile presets; an interface's own value wins over its profile's. Figures from
# bench/convergence (ring of three namespaces, BIRD 2.0.12 and 3.1.8, ping every 50 ms, loss each way for 600 s).
# seed: the blog's config as written.
# stable: a link that loses packets does not move routes (none in 600 s at 20 % loss each way). A fixed link cost
# (type wired); BIRD's own 4 s Hellos; the neighbour stays while at least 4 of its last 16 Hellos arrive; a route
# update every 60 s. What moves routes at loss is BIRD's expiry checks, once a second: a neighbour whose IHUs
# (sent every third Hello) or a route whose updates went missing for 3.5 intervals. Each check at 20 % loss fails
# with a chance of about 0.2^3.5, so fewer intervals in 600 s means fewer spurious changes (1 s Hellos with
# limit 8: tens of changes at 20 % loss). The price: a silently dead link is noticed after about 40 s. bird6 has
# no 'limit' (its fixed rule is 8 of 16) and gets the rest.
# fast: sub-second failover on wired links. Babel: 20 ms Hellos, limit 8 (a silently dead link cost 0.85 s in the
# median of breaks at random moments, 50 ms Hellos about 1 s: BIRD checks neighbours on a 1 s timer). RIPng: 1 s
# updates and BFD, which notices a silently dead link in about a second; the 3 s timeout alone cost about 3 s.
PROFILE_BABEL: dict[str, dict[str, Any]] = {
    "seed": {"type": "wireless", "hello_interval": "1 s", "rxcost": 512},
    "stable": {"type": "wired", "hello_interval": "4 s", "update_interval": "60 s", "rxcost": 96, "limit": 4},
    "fast": {"type": "wired", "hello_interval": "20 ms", "limit": 8},
}
PROFILE_RIPNG: dict[str, dict[str, Any]] = {
    "seed": {},
    "stable": {},
    "fast": {"update_time": 1, "timeout_time": 3, "garbage_time": 6, "bfd": True},
}

BABEL_KEYS = ("names", "type", "hello_interval", "update_interval", "rxcost", "limit", "check_link",
              "authentication", "password")
RIPNG_KEYS = ("names", "update_time", "timeout_time", "garbage_time", "split_horizon", "poison_reverse", "bfd",
              "check_link")

_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(us|ms|s)?\s*$")
_PATTERN_BAD = re.compile(r'["\\\s;{}]')
_VERSION_RE = re.compile(r"BIRD version (\d+)\.(\d+)")
_RELEASE_RE = re.compile(r"BIRD version (\d+)\.(\d+)(?:\.(\d+))?")


class BirdConfigError(ValueError):
    """An option set that cannot become a valid BIRD configuration; the message says why and what to do."""


@dataclass(frozen=True)
class BabelInterface:
    """One entry of babel.interfaces, as given: None means the profile's value, else BIRD's default. The values
    are checked when the file is rendered, with the entry's place in the message."""

    names: tuple[str, ...]
    type: str | None = None
    hello_interval: str | int | float | None = None
    update_interval: str | int | float | None = None
    rxcost: int | None = None
    limit: int | None = None
    check_link: bool | None = None
    authentication: str | None = None
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class RipngInterface:
    """One entry of ripng.interfaces, as given (None: the profile's value, else BIRD's default)."""

    names: tuple[str, ...]
    update_time: int | None = None
    timeout_time: int | None = None
    garbage_time: int | None = None
    split_horizon: bool | None = None
    poison_reverse: bool | None = None
    bfd: bool | None = None
    check_link: bool | None = None


@dataclass(frozen=True)
class ConfigRequest:
    """What the BIRD configuration is to say, for whichever version renders it."""

    babel: tuple[BabelInterface, ...] = ()
    ripng: tuple[RipngInterface, ...] = ()
    direct: tuple[str, ...] = ()  # interfaces whose connected prefixes BIRD exports
    router_id: str | None = None
    profile: str | None = None
    kernel_enabled: bool = True
    kernel_persist: bool = False
    kernel_scan_time: int | None = None  # None: the version's and profile's default
    device_scan_time: int | None = None  # None: 10 s


def parse_bird_version(text: str) -> str:
    """Map ``bird --version`` output (``BIRD version 2.0.12``) to one of :data:`VERSIONS`."""
    match = _VERSION_RE.search(text or "")
    if not match:
        raise BirdConfigError(f"cannot read a BIRD version from {text.strip()!r}; expected 'BIRD version X.Y...'")
    major, minor = int(match.group(1)), int(match.group(2))
    if major == 1:
        if minor < 6:
            raise BirdConfigError(f"BIRD {major}.{minor} has no Babel; use BIRD 1.6 or later")
        return "1.6"
    if major in (2, 3):
        return str(major)
    raise BirdConfigError(f"BIRD version {major}.{minor} is not supported; supported: 1.6, 2, 3")


def parse_bird_release(text: str) -> tuple[int, int, int]:
    """(major, minor, patch) from ``bird --version`` output (``BIRD version 2.0.12`` is (2, 0, 12))."""
    match = _RELEASE_RE.search(text or "")
    if not match:
        raise BirdConfigError(f"cannot read a BIRD version from {text.strip()!r}; expected 'BIRD version X.Y...'")
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def features_used(request: ConfigRequest) -> list[tuple[str, str, tuple[int, int, int], str]]:
    """What the request uses that not every BIRD 2 has: (what, since, release, what to do instead)."""
    used = []
    for index, iface in enumerate(request.babel):
        where = f"babel.interfaces[{index}]"
        if iface.type == "tunnel":
            used.append((f"{where}: type tunnel", TUNNEL_SINCE, TUNNEL_RELEASE,
                         "use type wired, or install BIRD 2.14 or later"))
        if iface.authentication == "mac":
            used.append((f"{where}: Babel authentication", BABEL_AUTH_SINCE, BABEL_AUTH_RELEASE,
                         "set authentication none, or install BIRD 2.0.9 or later"))
    return used


def check_binary(request: ConfigRequest, version: str, binary: str, version_text: str) -> None:
    """Refuse a BIRD ``binary`` (``--version`` said ``version_text``) that cannot validate the file for ``version``.

    It must be that BIRD generation: a BIRD 2 says nothing of what BIRD 3 will do with the file, nor bird6 of 1.6
    of BIRD 2's. And its release must have every feature the request uses (:func:`features_used`).
    """
    found = parse_bird_version(version_text)
    release = parse_bird_release(version_text)
    shown = ".".join(str(part) for part in release)
    if found != version:
        raise BirdConfigError(f"{binary} is BIRD {shown}, but bird_version is {version}: it cannot validate a file "
                              f"for BIRD {version}; put a BIRD {version} first on PATH (or in bird_binary), "
                              f"or set bird_version to {found}")
    for what, since, needed, fix in features_used(request):
        if release < needed:
            raise BirdConfigError(f"{what} needs {since} or later, and {binary} is BIRD {shown}; {fix}")


def choose_version(found: Iterable[tuple[str, str, str]]) -> str:
    """What ``bird_version=auto`` means: BIRD 2/3 when installed, else bird6 (1.6).

    `found` yields (binary name, where it is, its ``--version`` output) for ``bird`` then ``bird6``, as far as
    they exist; it is read lazily, so a host with BIRD 2 is never asked about bird6.
    """
    seen = []
    for name, where, text in found:
        version = parse_bird_version(text)
        seen.append(f"{where}: BIRD {version}")
        if name == "bird6" or version != "1.6":
            return version
    raise BirdConfigError("bird_version=auto found no BIRD with Babel on the host ("
                          + ("; ".join(seen) or "neither bird nor bird6 is installed")
                          + "); install BIRD or set bird_version")


def default_path(version: str, openwrt: bool) -> str:
    """The configuration file the distribution's BIRD package reads."""
    name = "bird6.conf" if version == "1.6" else "bird.conf"
    return f"/etc/{name}" if openwrt else f"/etc/bird/{name}"


def binary_names(version: str) -> tuple[str, str]:
    """(daemon, client) executables for ``version``: bird6/birdc6 for 1.6, bird/birdc otherwise."""
    return ("bird6", "birdc6") if version == "1.6" else ("bird", "birdc")


def rejection(binary: str, rc: int, output: str) -> str:
    """The message for a rendered file that ``binary -p -c`` did not accept (exit status ``rc``).

    BIRD prints why it refused; a BIRD that crashed on the file (1.6.8 to 3.1.8 abort or segfault on a quoted
    string of 4096 characters or more) may print nothing, and then the exit status says what happened.
    """
    text = (output or "").strip()
    if not text:
        text = (f"it was killed by signal {-rc}" if rc < 0 else f"it exited with status {rc}") + " and printed nothing"
    return f"{binary} rejected the rendered configuration, which was not installed: {text}"


def parse_duration(value: Any, what: str) -> int:
    """A duration in microseconds from ``50 ms``, ``1 s``, ``1`` (seconds) or a number of seconds."""
    if isinstance(value, bool):
        raise BirdConfigError(f"{what} {value!r} is not a duration; write e.g. '50 ms' or '1 s'")
    if isinstance(value, (int, float)):
        text = f"{value} s"
    else:
        text = str(value)
    match = _DURATION_RE.match(text)
    if not match:
        raise BirdConfigError(f"{what} {value!r} is not a duration; write a number with unit us, ms or s, "
                              f"e.g. '50 ms' or '1 s' (a bare number means seconds)")
    number = float(match.group(1))
    unit = match.group(2) or "s"
    scale = {"us": 1, "ms": US_PER_MS, "s": US_PER_S}[unit]
    micro = number * scale
    if micro != int(micro):
        raise BirdConfigError(f"{what} {value!r} is finer than a microsecond; BIRD counts whole microseconds")
    return int(micro)


def format_duration(micro: int) -> str:
    """BIRD 2 notation: ``1 s``, ``50 ms`` or ``250 us``."""
    if micro % US_PER_S == 0:
        return f"{micro // US_PER_S} s"
    if micro % US_PER_MS == 0:
        return f"{micro // US_PER_MS} ms"
    return f"{micro} us"


def _check_version(version: str) -> None:
    if version not in VERSIONS:
        raise BirdConfigError(f"BIRD version {version!r} is not one of {', '.join(VERSIONS)}")


def _patterns(names: Any, where: str) -> str:
    if not names:
        raise BirdConfigError(f"{where}: 'names' is empty; list interface names or patterns, e.g. ['eth*']")
    if isinstance(names, str):
        names = [names]
    quoted = []
    for name in names:
        text = str(name)
        if not text or _PATTERN_BAD.search(text):
            raise BirdConfigError(f"{where}: interface pattern {text!r} is empty or contains a quote, backslash, "
                                  f"semicolon, brace or white space; use names like 'eth0' or 'wlan*'")
        _check_name_length(text, where)
        quoted.append(f'"{text}"')
    return ", ".join(quoted)


def _check_name_length(text: str, where: str) -> None:
    """A name (or pattern: each ``*`` may match nothing) longer than any Linux interface name can be."""
    length = len(text.replace("*", ""))
    if length <= IFNAME_MAX:
        return
    what = f"interface pattern {text!r} matches only names of {length} or more characters" if "*" in text \
        else f"interface name {text!r} has {length} characters"
    raise BirdConfigError(f"{where}: {what}; a Linux interface name has at most {IFNAME_MAX} (IFNAMSIZ), so BIRD "
                          f"would never match it; use the name 'ip link' shows")


def _int_in(value: Any, bounds: tuple[int, int], what: str) -> int:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value), 10)
        except ValueError:
            raise BirdConfigError(f"{what} {value!r} is not a whole number between {low} and {high}") from None
    number: int = value
    if not low <= number <= high:
        raise BirdConfigError(f"{what} {number} is out of range; BIRD accepts {low} to {high}")
    return number


def _merged(iface: BabelInterface | RipngInterface, preset: Mapping[str, Any],
            keys: tuple[str, ...]) -> dict[str, Any]:
    merged = {key: getattr(iface, key) for key in keys}
    for key, value in preset.items():
        if merged.get(key) is None:
            merged[key] = value
    return merged


def _interval(value: Any, what: str, version: str) -> str:
    micro = parse_duration(value, what)
    if version == "1.6":
        if micro % US_PER_S:
            raise BirdConfigError(f"{what} {value!r} is not whole seconds; BIRD 1.6 takes whole seconds "
                                  f"(1 to 655); sub-second intervals need {SUBSECOND_SINCE} or later")
        if not 1 <= micro // US_PER_S <= 655:
            raise BirdConfigError(f"{what} {value!r} is out of range; BIRD 1.6 accepts 1 to 655 seconds")
        return str(micro // US_PER_S)
    if not INTERVAL_MIN_US <= micro <= INTERVAL_MAX_US:
        raise BirdConfigError(f"{what} {value!r} is out of range; BIRD {version} accepts 10 ms to 655350 ms")
    return format_duration(micro)


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _quoted_secret(value: Any, where: str) -> str:
    text = str(value)
    if not text or '"' in text or "\\" in text or "\n" in text:
        raise BirdConfigError(f"{where}: the password is empty or contains a quote, backslash or newline, "
                              f"which a BIRD string cannot hold; choose another")
    return f'"{text}"'


def _rxcost(value: Any, where: str) -> int:
    cost = _int_in(value, (RXCOST_RANGE[0], BABEL_INFINITY), f"{where}: rxcost")
    if cost == BABEL_INFINITY:
        raise BirdConfigError(f"{where}: rxcost {cost} is Babel's infinite cost: BIRD takes it, and every route "
                              f"over that link is unreachable; use {RXCOST_RANGE[0]} to {RXCOST_RANGE[1]} "
                              f"(BIRD's defaults: 96 wired, 256 wireless)")
    return cost


def _babel_type(kind: str, where: str, version: str) -> str:
    if kind not in INTERFACE_TYPES:
        raise BirdConfigError(f"{where}: interface type {kind!r} is unknown; use wired, wireless or tunnel")
    if kind == "tunnel" and version == "1.6":
        raise BirdConfigError(f"{where}: type tunnel needs {TUNNEL_SINCE} or later; BIRD 1.6 knows wired and "
                              f"wireless (use type wired, or bird_version 2 or 3 with BIRD 2.14 or later)")
    return f"type {kind};"


def _babel_limit(value: Any, own: Any, where: str, version: str) -> list[str]:
    """The ``limit`` line; ``own`` is the entry's own limit (None when ``value`` is its profile's)."""
    limit = _int_in(value, LIMIT_RANGE, f"{where}: limit")
    if version != "1.6":
        return [f"limit {limit};"]
    if own is not None:
        raise BirdConfigError(f"{where}: limit {limit} needs {LIMIT_SINCE} or later; BIRD 1.6 has no Babel "
                              f"'limit' option (drop it or choose bird_version 2 or 3)")
    return []  # bird6 keeps a wired neighbour while 8 of 16 Hellos arrive, whatever a profile says; nothing to write.


def _babel_authentication(authentication: str | None, password: Any, where: str, version: str) -> list[str]:
    auth = authentication or "none"
    if auth not in ("none", "mac"):
        raise BirdConfigError(f"{where}: authentication {auth!r} is unknown; use none or mac")
    if auth == "none":
        if password is not None:
            raise BirdConfigError(f"{where}: a password is set but authentication is none; set authentication mac")
        return []
    if version == "1.6":
        raise BirdConfigError(f"{where}: Babel authentication needs {BABEL_AUTH_SINCE} or later; "
                              f"BIRD 1.6 has none (set authentication none or choose bird_version 2 or 3)")
    if password is None:
        raise BirdConfigError(f"{where}: authentication mac needs a password")
    return ["authentication mac;", f"password {_quoted_secret(password, where)};"]


def babel_interface_lines(iface: BabelInterface, profile: str | None, version: str, index: int) -> list[str]:
    """The ``interface ... { ... };`` block of one Babel interface entry."""
    where = f"babel.interfaces[{index}]"
    patterns = _patterns(iface.names, where)
    where = f"{where} ({patterns})"
    opts = _merged(iface, PROFILE_BABEL.get(profile or "", {}), BABEL_KEYS)
    body: list[str] = []
    if opts["type"] is not None:
        body.append(_babel_type(opts["type"], where, version))
    for key, text in (("hello_interval", "hello interval"), ("update_interval", "update interval")):
        if opts[key] is not None:
            body.append(f"{text} {_interval(opts[key], f'{where}: {text}', version)};")
    if opts["rxcost"] is not None:
        body.append(f"rxcost {_rxcost(opts['rxcost'], where)};")
    if opts["limit"] is not None:
        body += _babel_limit(opts["limit"], iface.limit, where, version)
    if opts["check_link"] is not None:
        body.append(f"check link {_yes(opts['check_link'])};")
    body += _babel_authentication(opts["authentication"], opts["password"], where, version)
    return [f"  interface {patterns} {{"] + [f"    {line}" for line in body] + ["  };"]


def ripng_interface_lines(iface: RipngInterface, profile: str | None, index: int) -> list[str]:
    """The ``interface ... { ... };`` block of one RIPng interface entry (same syntax in all versions)."""
    where = f"ripng.interfaces[{index}]"
    patterns = _patterns(iface.names, where)
    where = f"{where} ({patterns})"
    opts = _merged(iface, PROFILE_RIPNG.get(profile or "", {}), RIPNG_KEYS)
    body: list[str] = []
    seconds: dict[str, int] = {}
    for key in ("update_time", "timeout_time", "garbage_time"):
        if opts[key] is not None:
            text = key.replace("_", " ")
            seconds[key] = _int_in(opts[key], RIP_TIME_RANGE, f"{where}: {text} (whole seconds)")
            body.append(f"{text} {seconds[key]};")
    update = seconds.get("update_time", RIP_DEFAULT_UPDATE)
    timeout = seconds.get("timeout_time", RIP_DEFAULT_TIMEOUT)
    if timeout <= update:
        raise BirdConfigError(f"{where}: timeout time {timeout} is not longer than update time {update} (BIRD's "
                              f"default where unset): a route expires before the update that refreshes it and "
                              f"is missing most of the time; make timeout time several update times (BIRD's "
                              f"defaults: update {RIP_DEFAULT_UPDATE}, timeout {RIP_DEFAULT_TIMEOUT})")
    for key in ("split_horizon", "poison_reverse", "bfd", "check_link"):
        if opts[key] is not None:
            body.append(f"{key.replace('_', ' ')} {_yes(opts[key])};")
    return [f"  interface {patterns} {{"] + [f"    {line}" for line in body] + ["  };"]


def _router_id(value: Any, version: str) -> str | None:
    if value in (None, ""):
        if version == "1.6":
            raise BirdConfigError("router_id is required for BIRD 1.6: bird6 cannot pick one on an IPv6 router; "
                                  "set router_id to a unique IPv4-style id such as 10.0.0.1")
        return None
    try:
        address = ipaddress.IPv4Address(str(value))
    except ValueError:
        raise BirdConfigError(f"router_id {value!r} is not an IPv4-style id like 10.0.0.1") from None
    if not int(address):
        raise BirdConfigError(f"router_id {value} is not a router id: a running BIRD reloads it, but BIRD refuses "
                              f"it when it starts, and the daemon exits; set a unique non-zero id such as 10.0.0.1")
    return str(address)


def _channel(version: str, lines: list[str]) -> list[str]:
    """import/export statements: inside the protocol on 1.6, inside an ipv6 channel on 2 and 3."""
    if version == "1.6":
        return [f"  {line}" for line in lines]
    return ["  ipv6 {"] + [f"    {line}" for line in lines] + ["  };"]


def _direct_lines(names: tuple[str, ...], version: str) -> list[str]:
    if not names:
        return []
    return (["protocol direct {"] + (["  ipv6;"] if version != "1.6" else [])
            + [f"  interface {_patterns(names, 'direct.interfaces')};", "}", ""])


def _kernel_lines(request: ConfigRequest, version: str) -> list[str]:
    if not request.kernel_enabled:
        return []
    fast = version == "3" and request.profile == "fast"
    default_scan = KERNEL_SCAN_TIME_BIRD3_FAST if fast else KERNEL_SCAN_TIME
    scan = _int_in(_or(request.kernel_scan_time, default_scan), RIP_TIME_RANGE, "kernel.scan_time")
    # Connected prefixes are the kernel's already; only learned routes go into the table.
    return (["protocol kernel {", f"  persist {_yes(request.kernel_persist)};", f"  scan time {scan};"]
            + _channel(version, ["import none;", "export where source != RTS_DEVICE;"]) + ["}", ""])


def _babel_lines(ifaces: tuple[BabelInterface, ...], version: str, profile: str | None) -> list[str]:
    if not ifaces:
        return []
    out = ["protocol babel {"] + _channel(version, ["import all;", "export all;"])
    for index, iface in enumerate(ifaces):
        out += babel_interface_lines(iface, profile, version, index)
    return out + ["}", ""]


def _ripng_lines(ifaces: tuple[RipngInterface, ...], version: str, profile: str | None) -> list[str]:
    if not ifaces:
        return []
    blocks = [ripng_interface_lines(iface, profile, index) for index, iface in enumerate(ifaces)]
    out = ["protocol rip {" if version == "1.6" else "protocol rip ng {"]
    out += _channel(version, ["import all;", "export all;"])
    for block in blocks:
        out += block
    out += ["}", ""]
    if any("    bfd yes;" in block for block in blocks):
        out += ["protocol bfd {", "}", ""]
    return out


def render_config(request: ConfigRequest, version: str) -> str:
    """A complete BIRD configuration for ``version`` (one of :data:`VERSIONS`) from the request."""
    _check_version(version)
    profile = request.profile
    if profile is not None and profile not in PROFILES:
        raise BirdConfigError(f"profile {profile!r} is unknown; use one of {', '.join(PROFILES)}")
    if not request.babel and not request.ripng:
        raise BirdConfigError("neither babel nor ripng lists any interfaces; give at least one of "
                              "babel.interfaces or ripng.interfaces")
    router_id = _router_id(request.router_id, version)
    out: list[str] = [
        "# Managed by palmfarm.ipv6.babel_bird6: local changes are overwritten.",
        f"# BIRD {version}" + (f", profile {profile}" if profile else ""),
        "",
    ]
    if router_id:
        out += [f"router id {router_id};", ""]
    scan = _int_in(_or(request.device_scan_time, 10), RIP_TIME_RANGE, "device.scan_time")
    out += ["protocol device {", f"  scan time {scan};", "}", ""]
    out += _direct_lines(request.direct, version)
    out += _kernel_lines(request, version)
    out += _babel_lines(request.babel, version, profile)
    out += _ripng_lines(request.ripng, version, profile)
    return "\n".join(out).rstrip("\n") + "\n"


def unmatched_patterns(request: ConfigRequest, interfaces: list[str]) -> list[str]:
    """The interface names or patterns of the request that match none of ``interfaces`` (the host's)."""
    patterns: list[str] = []
    for names in [iface.names for iface in request.babel] + [iface.names for iface in request.ripng]:
        patterns += [str(name) for name in names or []]
    patterns += [str(name) for name in request.direct]
    missing: list[str] = []
    for pattern in patterns:
        if pattern not in missing and not any(fnmatch.fnmatchcase(name, pattern) for name in interfaces):
            missing.append(pattern)
    return missing
