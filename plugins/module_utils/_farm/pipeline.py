# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A farm of LXD instances: the desired set, the plan that gets there, and its parallel execution.

The plan is pure: it takes the desired farm (`FarmSpec`) and the instances LXD reports (one
``GET instances?recursion=1``, without their state) and returns one `Step` per instance concerned. The
addresses of the running instances concerned come from the kernel when LXD is local (see
`_net/netns_addresses.py`), else from LXD's state. `run_farm`, the one pipeline, then carries the steps out
with a bounded pool of threads (`FarmWorker`), each with its own client, and polls the instances until every
started one has a preferred global IPv6 address. Only the kernel tells a deprecated address (the old prefix
after a renumbering) from a preferred one: on a local LXD every read of a running instance's addresses goes to
the kernel first.

On an LXD cluster, given a placement (`placement.PlacementSpec`), the pipeline first consults the cluster
(cluster.py: its members, and where each instance belongs) and carries out, through the same worker, the
steps the placement takes: creating new instances on their member (``POST /1.0/instances?target=MEMBER``),
moving misplaced ones (stopped first; ``POST /1.0/instances/NAME?target=MEMBER`` with ``migration: true``) or
recreating them there. The rest is the same pipeline, run on the instances that can be reached.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import ipaddress
import re
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

from .._lxd.client import LxdClient, names_from_urls
from .._lxd.connection import LxdError, is_remote
from .._lxd.names import instance_name_problem, profile_name_problem
from .._lxd.stored_values import normalize_config, normalize_devices
from .._net.addresses import ADDR_GEN_MODES, instance_addresses
from .._net.netns_addresses import read_networks, usable
from .cluster import UNREACHABLE, check_prunable, cluster_members, decide, reachable_members
from .placement import Placement, PlacementError, PlacementSpec
from .progress import Progress, counts, summary

FARM_KEY = "user.palmfarm.farm"
# RFC 7217 stable-privacy addresses: LXD sets this sysctl in the container's network namespace before eth0 is up,
# and the kernel then derives eth0's SLAAC interface identifiers from it instead of the MAC (EUI-64).
SECRET_KEY = "linux.sysctl.net.ipv6.conf.eth0.stable_secret"
MIN_SECRET_LENGTH = 16
IGNORED_CONFIG_PREFIXES = ("volatile.", "image.")
STATES = ("started", "stopped", "absent")
# What a step can do to an instance, in the order it does it.
ACTIONS = ("move", "recreate", "create", "update", "start", "restart", "stop", "delete")
POLL_INTERVAL = 0.2
LOG_TAIL_LINES = 20
STOP_TIMEOUT = 30
_HEX_RE = re.compile(r"^[0-9a-f]{12,64}$")
# Up to this many instances without kernel-read addresses are asked one by one (GET instances/<name>/state);
# more, and one GET instances?recursion=2 is cheaper.
FEW_STATE_GETS = 3


class FarmError(LxdError):
    """A farm that cannot be reached; ``result`` carries what the task returns with the failure."""

    def __init__(self, message: str, result: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.result = result or {}


# --------------------------------------------------------------------------------------------------
# The desired farm


@dataclass(frozen=True)
class FarmSpec:
    """The desired farm, checked and normalised (config and device values as the strings LXD stores)."""

    names: list[str]
    image: str | None = None
    profiles: list[str] = field(default_factory=lambda: ["default"])
    config: dict[str, str] | None = None
    devices: dict[str, dict[str, str]] | None = None
    state: str = "started"
    prune: bool = False
    farm: str | None = None
    name_prefix: str | None = None
    workers: int = 10
    wait_for_ipv6: bool = True
    wait_timeout: int = 60
    addr_gen_mode: str = "eui64"
    stable_secret: str | None = field(default=None, repr=False)


def desired_names(names: list[str] | None, name_prefix: str | None, count: int | None,
                  start_index: int = 1) -> list[str]:
    """The names of the farm: ``names`` as given, or name_prefix + start_index .. start_index+count-1."""
    if names is not None:
        result = [str(n) for n in names]
        dups = sorted({n for n in result if result.count(n) > 1}, key=natural_key)
        if dups:
            raise FarmError(f"names lists {', '.join(dups)} more than once; list each instance once")
        return result
    if name_prefix is None:
        raise FarmError("give either names or name_prefix (with count)")
    if count is None:
        raise FarmError(f"name_prefix {name_prefix!r} needs count, the number of instances")
    if count < 0:
        raise FarmError(f"count is {count}; it must be 0 or more (0 with prune=true removes the whole farm)")
    if start_index < 0:
        raise FarmError(f"start_index is {start_index}; it must be 0 or more")
    return [f"{name_prefix}{i}" for i in range(start_index, start_index + count)]


def farm_spec(names: list[str], *, name_prefix: str | None = None, image: str | None = None,
              profiles: list[str] | None = None, config: dict[str, Any] | None = None,
              devices: dict[str, Any] | None = None, state: str = "started", prune: bool = False,
              farm: str | None = None, workers: int = 10, wait_for_ipv6: bool = True, wait_timeout: int = 60,
              addr_gen_mode: str = "eui64", stable_secret: str | None = None) -> FarmSpec:
    """The desired farm, checked and normalised; FarmError before any API call. ``names`` as `desired_names`
    gives them, ``name_prefix`` when they were made from it."""
    _check_names(names, name_prefix)
    profiles = [str(p) for p in (profiles if profiles is not None else ["default"])]
    for profile in profiles:
        problem = profile_name_problem(profile)
        if problem:
            raise FarmError(problem)
    if state not in STATES:
        raise FarmError(f"state {state!r} is not one of {', '.join(STATES)}")
    if farm is not None and not farm:
        raise FarmError("farm is empty; give the farm a label such as web, or leave farm out")
    if prune and name_prefix is None and not farm:
        raise FarmError("prune with names needs farm: only instances labelled with that farm "
                        f"({FARM_KEY}) are pruned, so set farm (e.g. farm: web)")
    if workers < 1:
        raise FarmError(f"workers is {workers}; it must be 1 or more")
    if wait_timeout < 0:
        raise FarmError(f"wait_timeout is {wait_timeout}; it must be 0 or more seconds")
    _check_addr_gen_mode(addr_gen_mode, stable_secret, config)
    return FarmSpec(
        names=names, image=image, profiles=profiles,
        config=normalize_config(config, error=FarmError),
        devices=normalize_devices(devices, require_type=True, error=FarmError),
        state=state, prune=prune, farm=farm, name_prefix=name_prefix, workers=workers,
        wait_for_ipv6=wait_for_ipv6, wait_timeout=wait_timeout, addr_gen_mode=addr_gen_mode,
        stable_secret=stable_secret,
    )


def _check_names(names: list[str], name_prefix: str | None) -> None:
    for name in names:
        problem = instance_name_problem(name)
        if problem:
            if name_prefix is not None:
                problem += f" (from name_prefix {name_prefix!r})"
            raise FarmError(problem)


def _check_addr_gen_mode(addr_gen_mode: str, stable_secret: str | None, config: dict[str, Any] | None) -> None:
    if addr_gen_mode not in ADDR_GEN_MODES:
        raise FarmError(f"addr_gen_mode {addr_gen_mode!r} is not one of {', '.join(ADDR_GEN_MODES)}")
    if stable_secret is not None:
        if addr_gen_mode != "stable-privacy":
            raise FarmError("stable_secret is given but addr_gen_mode is eui64; set addr_gen_mode: stable-privacy "
                            "to use it, or leave stable_secret out")
        if len(stable_secret) < MIN_SECRET_LENGTH:
            raise FarmError(f"stable_secret is {len(stable_secret)} characters long; give at least "
                            f"{MIN_SECRET_LENGTH} (e.g. the output of 'openssl rand -hex 16'), or leave it out to "
                            f"have a random secret made for each instance")
    if SECRET_KEY in (config or {}):
        raise FarmError(f"config sets {SECRET_KEY}; this key belongs to addr_gen_mode: remove it from config and "
                        f"set addr_gen_mode: stable-privacy (with stable_secret, or without for a random one)")


# --------------------------------------------------------------------------------------------------
# The plan


def is_ignored_key(key: str) -> bool:
    """LXD's own keys, and the stable secret (owned by addr_gen_mode, see `wanted_secret`)."""
    return key.startswith(IGNORED_CONFIG_PREFIXES) or key == SECRET_KEY


def derive_secret(secret: str, name: str) -> str:
    """The instance's own stable_secret from the farm's: an IPv6 address, the form the kernel takes.

    Each instance needs its own: the kernel's RFC 7217 hash does not always include a MAC (a veth has no
    permanent one), so one secret on a whole farm would give every instance the same address on a prefix.
    """
    digest = hashlib.sha256(f"palmfarm stable_secret\0{secret}\0{name}".encode()).digest()
    return str(ipaddress.IPv6Address(digest[:16]))


def random_secret() -> str:
    return str(ipaddress.IPv6Address(secrets.token_bytes(16)))


def valid_secret(value: Any) -> bool:
    try:
        ipaddress.IPv6Address(str(value))
    except ValueError:
        return False
    return True


def wanted_secret(name: str, spec: FarmSpec, current: dict[str, Any] | None) -> str | None:
    """The value SECRET_KEY should have: None (no key) with eui64; derived from stable_secret when given; else
    the instance's own (kept from its config when valid, so restarts and re-runs keep the address) or a new
    random one."""
    if spec.addr_gen_mode != "stable-privacy":
        return None
    if spec.stable_secret is not None:
        return derive_secret(spec.stable_secret, name)
    existing = (current or {}).get(SECRET_KEY)
    if existing is not None and valid_secret(existing):
        return str(existing)
    return random_secret()


def masked_secret(value: Any) -> str | None:
    """What diff shows of a secret: a short fingerprint, so a change is visible and the secret is not."""
    if value is None:
        return None
    return "hidden, sha256 " + hashlib.sha256(str(value).encode()).hexdigest()[:8]


def managed_config(config: dict[str, Any], spec: FarmSpec) -> dict[str, str]:
    """The part of an instance's config this farm manages."""
    result = {}
    for key, value in (config or {}).items():
        if is_ignored_key(key) or (key == FARM_KEY and spec.farm is None):
            continue
        result[key] = str(value)
    return result


def desired_config(spec: FarmSpec) -> dict[str, str] | None:
    """The managed config the instances should have; None when config is not managed (only the label)."""
    if spec.config is None:
        return None
    result = {k: v for k, v in spec.config.items() if not is_ignored_key(k)}
    if spec.farm is not None:
        result[FARM_KEY] = spec.farm
    return result


_WANTED = object()  # "work the secret out from the spec": see `wanted_secret`


def new_config(current: dict[str, Any], spec: FarmSpec, name: str = "", secret: Any = _WANTED) -> dict[str, str]:
    """The whole config to PUT: LXD's own keys (and keys not managed) kept, managed keys as desired, the stable
    secret as `wanted_secret` says."""
    wanted = desired_config(spec)
    if wanted is None:
        result = {k: str(v) for k, v in (current or {}).items()}
    else:
        result = {k: str(v) for k, v in (current or {}).items()
                  if is_ignored_key(k) or (k == FARM_KEY and spec.farm is None)}
        result.update(wanted)
    if spec.farm is not None:
        result[FARM_KEY] = spec.farm
    if secret is _WANTED:
        secret = wanted_secret(name, spec, current)
    result.pop(SECRET_KEY, None)
    if secret is not None:
        result[SECRET_KEY] = secret
    return result


def drift(instance: dict[str, Any], spec: FarmSpec, secret: Any = _WANTED) -> dict[str, tuple[Any, Any]]:
    """{'profiles'|'config'|'devices'|'stable_secret': (current, desired)} for what differs from the spec
    (the secret masked by `masked_secret`)."""
    changes: dict[str, tuple[Any, Any]] = {}
    profiles = list(instance.get("profiles") or [])
    if profiles != spec.profiles:
        changes["profiles"] = (profiles, list(spec.profiles))
    current = managed_config(instance.get("config") or {}, spec)
    wanted = desired_config(spec)
    if wanted is None:
        if spec.farm is not None and current.get(FARM_KEY) != spec.farm:
            wanted = dict(current)
            wanted[FARM_KEY] = spec.farm
    if wanted is not None and current != wanted:
        changes["config"] = (current, wanted)
    if spec.devices is not None:
        devices = {d: {k: str(v) for k, v in s.items()} for d, s in (instance.get("devices") or {}).items()}
        if devices != spec.devices:
            changes["devices"] = (devices, spec.devices)
    config = instance.get("config") or {}
    if secret is _WANTED:
        secret = wanted_secret(str(instance.get("name") or ""), spec, config)
    if config.get(SECRET_KEY) != secret:
        changes["stable_secret"] = (masked_secret(config.get(SECRET_KEY)), masked_secret(secret))
    return changes


def instance_state(instance: dict[str, Any] | None) -> str:
    """'Running', 'Stopped', 'absent', or LXD's status as it is (Frozen, Error, ...)."""
    if instance is None:
        return "absent"
    return str(instance.get("status") or "Stopped")


@dataclass
class Step:
    """What one instance needs. ``before``/``after`` are states as `instance_state` gives them.

    On a cluster, the steps of the placement (see `place_farm`) come first: a move or a recreate to ``member``,
    or a create on it (on the member LXD picks when None); the instance is not fetched after them.
    """

    name: str
    before: str
    after: str
    move: bool = False
    recreate: bool = False
    create: bool = False
    update: bool = False
    start: bool = False
    restart: bool = False
    stop: bool = False
    delete: bool = False
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    # The stable secret the instance gets (worked out once, so a random one is the same in diff and write).
    secret: str | None = field(default=None, repr=False)
    member: str | None = None
    placing: bool = False

    @property
    def actions(self) -> list[str]:
        return [a for a in ACTIONS if getattr(self, a)]

    @property
    def changed(self) -> bool:
        return bool(self.actions)


_DIGITS_RE = re.compile(r"\d+")


def natural_key(name: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def prune_candidates(spec: FarmSpec, instances: dict[str, dict[str, Any]]) -> list[str]:
    """Instances beyond the desired set that belong to the farm (by name_prefix + digits, or by label)."""
    wanted = set(spec.names)
    result = []
    for name, instance in instances.items():
        if name in wanted:
            continue
        if spec.name_prefix is not None:
            rest = name[len(spec.name_prefix):] if name.startswith(spec.name_prefix) else ""
            if rest and _DIGITS_RE.fullmatch(rest):
                result.append(name)
        elif spec.farm is not None and (instance.get("config") or {}).get(FARM_KEY) == spec.farm:
            result.append(name)
    return sorted(result, key=natural_key)


def plan(spec: FarmSpec, instances: dict[str, dict[str, Any]]) -> list[Step]:
    """One Step per desired instance (in order), then one per pruned instance (with prune=true)."""
    steps = []
    for name in spec.names:
        instance = instances.get(name)
        before = instance_state(instance)
        if spec.state == "absent":
            steps.append(Step(name, before, "absent", delete=instance is not None))
            continue
        after = "Running" if spec.state == "started" else "Stopped"
        secret = wanted_secret(name, spec, (instance or {}).get("config"))
        if instance is None:
            steps.append(Step(name, before, after, create=True, start=spec.state == "started", secret=secret))
            continue
        changes = drift(instance, spec, secret)
        step = Step(name, before, after, update=bool(changes), changes=changes, secret=secret)
        if spec.state == "started":
            step.start = before != "Running"
            # The kernel reads the secret when eth0 comes up: a running instance takes it at a restart.
            step.restart = before == "Running" and "stable_secret" in changes
        else:
            step.stop = before not in ("Stopped",)
        steps.append(step)
    if spec.prune:
        for name in prune_candidates(spec, instances):
            steps.append(Step(name, instance_state(instances[name]), "absent", delete=True))
    return steps


def diff_of(steps: list[Step]) -> dict[str, dict[str, Any]]:
    """{before, after}: {name: state} for every instance concerned, plus '<name>.profiles' (and .config,
    .devices) entries for the instances whose settings change."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for step in steps:
        before[step.name] = step.before
        after[step.name] = step.after
        for what, (old, new) in step.changes.items():
            before[f"{step.name}.{what}"] = old
            after[f"{step.name}.{what}"] = new
    return {"before": before, "after": after}


def create_body(name: str, spec: FarmSpec, source: dict[str, str], secret: Any = _WANTED) -> dict[str, Any]:
    config = dict(spec.config or {})
    if spec.farm is not None:
        config[FARM_KEY] = spec.farm
    if secret is _WANTED:
        secret = wanted_secret(name, spec, None)
    if secret is not None:
        config[SECRET_KEY] = secret
    return {
        "name": name,
        "type": "container",
        "source": dict(source),
        "profiles": list(spec.profiles),
        "config": config,
        "devices": {d: dict(s) for d, s in (spec.devices or {}).items()},
    }


def update_body(instance: dict[str, Any], spec: FarmSpec, secret: Any = _WANTED) -> dict[str, Any]:
    """The PUT body for instances/<name>: the instance as it is with profiles, config and devices as desired."""
    body = {
        "architecture": instance.get("architecture"),
        "config": new_config(instance.get("config") or {}, spec, str(instance.get("name") or ""), secret),
        "devices": ({d: dict(s) for d, s in spec.devices.items()} if spec.devices is not None
                    else instance.get("devices") or {}),
        "ephemeral": bool(instance.get("ephemeral")),
        "profiles": list(spec.profiles),
        "description": instance.get("description") or "",
        "stateful": bool(instance.get("stateful")),
    }
    return body


# --------------------------------------------------------------------------------------------------
# Facts about instances


def has_nic(instance: dict[str, Any]) -> bool:
    devices = instance.get("expanded_devices") or instance.get("devices") or {}
    return any((d or {}).get("type") == "nic" for d in devices.values())


def instance_facts(name: str, instance: dict[str, Any] | None, created: bool = False,
                   changed: bool = False) -> dict[str, Any]:
    """What the task returns per instance."""
    if instance is None:
        return {"name": name, "state": "absent", "status": None, "mac": None,
                "ipv6": {"global": [], "ula": [], "link_local": [], "deprecated": []}, "ipv4": [], "address": None,
                "created": created, "changed": changed, "location": None}
    network = (instance.get("state") or {}).get("network")
    addrs = instance_addresses(network)
    mac = addrs["mac"]
    if mac is None:
        config = instance.get("config") or {}
        keys = sorted(k for k in config if k.startswith("volatile.") and k.endswith(".hwaddr"))
        keys.sort(key=lambda k: 0 if k == "volatile.eth0.hwaddr" else 1)
        mac = config[keys[0]] if keys else None
    return {
        "name": name,
        "state": instance_state(instance),
        "status": instance.get("status"),
        "mac": mac,
        "ipv6": {"global": addrs["global"], "ula": addrs["ula"], "link_local": addrs["link_local"],
                 "deprecated": addrs["deprecated"]},
        "ipv4": addrs["ipv4"],
        "address": addrs["global"][0] if addrs["global"] else None,
        "created": created,
        "changed": changed,
        "location": instance.get("location"),
    }


def without_global(names: list[str], instances: dict[str, dict[str, Any]]) -> list[str]:
    """The running instances among ``names`` that have a NIC but no preferred global IPv6 address yet (a
    deprecated one, left from the prefix before, does not count)."""
    result = []
    for name in names:
        instance = instances.get(name)
        if instance is None or instance.get("status") != "Running" or not has_nic(instance):
            continue
        addrs = instance_addresses((instance.get("state") or {}).get("network"))
        if not addrs["global"]:
            result.append(name)
    return result


def no_global_message(names: list[str], instances: dict[str, dict[str, Any]], timeout: float) -> str:
    parts = []
    for name in names:
        addrs = instance_addresses(((instances.get(name) or {}).get("state") or {}).get("network"))
        seen = addrs["ula"] + addrs["link_local"] + [f"{a} deprecated" for a in addrs["deprecated"]]
        parts.append(f"{name} ({', '.join(seen) if seen else 'no IPv6 address at all'})")
    return (f"no global IPv6 prefix was seen within {timeout:g} s on {', '.join(parts)}: "
            f"is a router advertising a global prefix on the bridge these instances are attached to, with a "
            f"preferred lifetime above 0? (check with 'rdisc6' or 'radvdump' on it, or raise wait_timeout)")


def log_tail(text: str, lines: int = LOG_TAIL_LINES) -> str:
    return "\n".join(text.rstrip("\n").splitlines()[-lines:])


# --------------------------------------------------------------------------------------------------
# Talking to LXD


def list_instances(client: LxdClient, with_state: bool = False) -> dict[str, dict[str, Any]]:
    """Every instance (with its state only when asked: LXD reads each running container's addresses then)."""
    params = {"recursion": "2" if with_state else "1"}
    return {i["name"]: i for i in client.get("instances", params=params) or []}


def kernel_readable(client: LxdClient) -> bool:
    """Whether LXD is reached over its local unix socket, so its containers' namespaces are on this host."""
    conn = getattr(client, "conn", None)
    return conn is not None and not is_remote(getattr(conn, "url", None))


def add_networks(client: LxdClient, instances: dict[str, dict[str, Any]], names: list[str],
                 reader: Callable[..., dict[str, Any]] = read_networks,
                 states_of: Callable[[list[str]], dict[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """``instances`` with a ``state`` ({status, network}) added to the ones among ``names`` not stopped.

    The addresses come from the kernel when LXD is local and the kernel lets this process read them; for the
    rest, from LXD: ``states_of`` the missing names when given, else one GET instances/<name>/state each when
    they are few, else one recursive list.
    """
    running = [n for n in dict.fromkeys(names)
               if instances.get(n) is not None and instances[n].get("status") != "Stopped"
               and "state" not in instances[n]]
    if not running:
        return instances
    result = dict(instances)
    networks: dict[str, Any] = {}
    if kernel_readable(client):
        conn = getattr(client, "conn", None)
        networks = reader(running, getattr(conn, "project", None))
    missing = [n for n in running if networks.get(n) is None]
    states: dict[str, Any] = {}
    if states_of is not None:
        states = states_of(missing) if missing else {}
    elif len(missing) > FEW_STATE_GETS:
        listed = list_instances(client, with_state=True)
        states = {n: (listed.get(n) or {}).get("state") for n in missing}
    else:
        states = {n: client.get_or_none(f"instances/{n}/state") for n in missing}
    for name in running:
        instance = dict(result[name])
        if networks.get(name) is not None:
            instance["state"] = {"status": instance.get("status"), "network": networks[name]}
        elif states.get(name) is not None:
            instance["state"] = states[name]
        result[name] = instance
    return result


def with_networks(client: LxdClient, worker: FarmWorker, fetched: dict[str, dict[str, Any] | None],
                  reader: Callable[..., dict[str, Any]] = read_networks) -> dict[str, dict[str, Any] | None]:
    """The instances ``worker`` fetched (None: gone), each running one with its network. When the worker
    fetched them without their state, the networks come from the kernel (only the kernel marks deprecated
    addresses), and the state of those the kernel could not tell (on another cluster member, say) is asked of
    LXD one by one, in parallel, as the fetches with their state would have; else they are LXD's, as fetched.
    When the kernel told nothing of any of them (a namespace that does not answer), the worker asks LXD for
    the state with every later fetch instead."""
    if not worker.kernel_state:
        return fetched
    told: dict[str, Any] = {}

    def reading(names: list[str], project: str | None) -> dict[str, Any]:
        told.update(reader(names, project))
        return told

    present = {name: instance for name, instance in fetched.items() if instance is not None}
    filled = add_networks(client, present, list(present), reader=reading,
                          states_of=lambda missing: dict(zip(missing, worker.map(worker.state_of, missing))))
    if told and all(network is None for network in told.values()):
        worker.kernel_state = False
    return {name: filled.get(name) for name in fetched}


def resolve_image(client: LxdClient, image: str | None) -> dict[str, str]:
    """The create source for an alias or a fingerprint; FarmError naming the existing aliases if unknown."""
    if not image:
        raise FarmError(f"image is required to create instances; give an image alias or fingerprint "
                        f"(see '{client.server.cli} image list')")
    if client.get_or_none(f"images/aliases/{image}") is not None:
        return {"type": "image", "alias": image}
    if _HEX_RE.match(image.lower()):
        found = client.get_or_none(f"images/{image.lower()}")
        if found is not None:
            return {"type": "image", "fingerprint": found.get("fingerprint", image.lower())}
    aliases = sorted(a.get("name", "") for a in client.get("images/aliases", params={"recursion": "1"}) or [])
    raise FarmError(f"image {image!r} is neither an image alias nor a fingerprint on this {client.server.label}; "
                    f"existing aliases: "
                    f"{', '.join(aliases) if aliases else 'none'} (import or publish the image first, "
                    f"or fix the image option)")


def check_profiles(client: LxdClient, profiles: list[str]) -> None:
    existing = names_from_urls(client.get("profiles"))
    missing = [p for p in profiles if p not in existing]
    if missing:
        raise FarmError(f"profile{'s' if len(missing) > 1 else ''} {', '.join(missing)} not found on this LXD; "
                        f"existing profiles: {', '.join(sorted(existing))} (create it first, e.g. with "
                        f"palmfarm.ipv6.lxd_profile, or fix the profiles option)")


class FarmWorker:
    """Carries out steps and refreshes instances on a bounded pool of threads, each with its own client
    (requests sessions are not shared between threads). The pool is made on first use. One worker serves a
    whole run: the steps of the placement on a cluster, then the farm's, then the wait for addresses. Each step's
    end is noted in ``progress``."""

    def __init__(self, factory: Callable[[], LxdClient], spec: FarmSpec, progress: Progress | None = None,
                 kernel_state: bool = False) -> None:
        self.factory = factory
        self.spec = spec
        self.progress = progress or Progress()
        # Whether the instances' addresses come from the kernel (see `fetch`).
        self.kernel_state = kernel_state
        self.source: dict[str, str] = {}
        self.instances: dict[str, dict[str, Any]] = {}
        self.local = threading.local()
        self.pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> FarmWorker:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)

    def client(self) -> LxdClient:
        client = getattr(self.local, "client", None)
        if client is None:
            client = self.local.client = self.factory()
        return client

    def map(self, func: Callable[[Any], Any], items: list[Any]) -> list[Any]:
        if self.pool is None:
            self.pool = ThreadPoolExecutor(max_workers=self.spec.workers)
        return list(self.pool.map(func, items))

    def state(self, client: LxdClient, name: str, body: dict[str, Any]) -> None:
        client.request("PUT", f"instances/{name}/state", body)

    def fetch(self, name: str) -> dict[str, Any] | None:
        """One instance, None when it does not exist: with its state (GET instances/<name>?recursion=1), or
        without it (GET instances/<name>) when its addresses come from the kernel (``kernel_state``). LXD reads
        a container's addresses by entering it, and for hundreds of instances polled while they boot that
        costs the server more CPU than starting them."""
        params = None if self.kernel_state else {"recursion": "1"}
        found: dict[str, Any] | None = self.client().get_or_none(f"instances/{name}", params=params)
        return found

    def state_of(self, name: str) -> dict[str, Any] | None:
        """An instance's state (GET instances/<name>/state), None when it does not exist."""
        found: dict[str, Any] | None = self.client().get_or_none(f"instances/{name}/state")
        return found

    def refresh(self, names: list[str]) -> dict[str, dict[str, Any] | None]:
        """Fetch only these instances, in parallel: cheaper than listing every instance with its state."""
        return dict(zip(names, self.map(self.fetch, names)))

    def run_all(self, steps: list[Step], instances: dict[str, dict[str, Any]],
                source: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
        """Carry out ``steps`` in parallel on the ``instances`` listed before them, creating from ``source``
        (see `resolve_image`); the outcome of each step by name (see `run`)."""
        if not steps:
            return {}
        self.instances, self.source = instances, source or {}
        return dict(zip([s.name for s in steps], self.map(self.run, steps)))

    def run(self, step: Step) -> dict[str, Any]:
        """Carry out one step, then fetch the instance as it is now (not after a delete or a placement step).

        Returns {done: [actions], error: str|None, phase: str|None, instance: dict|None}.
        """
        done: list[str] = []
        error = None
        self.local.phase = None
        try:
            client = self.client()
            for action in step.actions:
                self.local.phase = action
                getattr(self, action)(client, step)
                done.append(action)
            self.local.phase = None
        except LxdError as exc:
            error = str(exc)
        self.progress.step_done(step.name, done, error, self.local.phase)
        outcome = {"done": done, "error": error, "phase": self.local.phase, "instance": None}
        if step.placing or "delete" in done:
            return outcome
        try:
            outcome["instance"] = self.fetch(step.name)
        except LxdError:
            outcome["instance"] = self.instances.get(step.name)
        return outcome

    def stop_cleanly(self, client: LxdClient, name: str) -> None:
        try:
            self.state(client, name, {"action": "stop", "timeout": STOP_TIMEOUT})
        except LxdError:
            self.state(client, name, {"action": "stop", "force": True})

    def move(self, client: LxdClient, step: Step) -> None:
        """To ``step.member``, stopped first: LXD 5.0 cannot move a running container between members."""
        if step.before in ("Running", "Frozen"):
            self.stop_cleanly(client, step.name)
        client.request("POST", f"instances/{step.name}", {"name": step.name, "migration": True},
                       params={"target": step.member})

    def recreate(self, client: LxdClient, step: Step) -> None:
        if step.before in ("Running", "Frozen"):
            self.stop_cleanly(client, step.name)
        client.request("DELETE", f"instances/{step.name}")
        self.create(client, step)

    def create(self, client: LxdClient, step: Step) -> None:
        client.request("POST", "instances", create_body(step.name, self.spec, self.source, step.secret),
                       params={"target": step.member} if step.member else None)

    def update(self, client: LxdClient, step: Step) -> None:
        client.request("PUT", f"instances/{step.name}",
                       update_body(self.instances[step.name], self.spec, step.secret))

    def start(self, client: LxdClient, step: Step) -> None:
        self.state(client, step.name, {"action": "unfreeze" if step.before == "Frozen" else "start"})

    def restart(self, client: LxdClient, step: Step) -> None:
        try:
            self.state(client, step.name, {"action": "restart", "timeout": STOP_TIMEOUT})
        except LxdError:
            self.state(client, step.name, {"action": "restart", "force": True})

    def stop(self, client: LxdClient, step: Step) -> None:
        if step.before == "Frozen":
            self.state(client, step.name, {"action": "stop", "force": True})
        else:
            self.stop_cleanly(client, step.name)

    def delete(self, client: LxdClient, step: Step) -> None:
        if step.before in ("Running", "Frozen"):
            self.local.phase = "stop"
            self.state(client, step.name, {"action": "stop", "force": True})
            self.local.phase = "delete"
        client.request("DELETE", f"instances/{step.name}")


def fetch_log_tail(client: LxdClient, name: str) -> str:
    try:
        response = client.raw("GET", f"instances/{name}/logs/lxc.log")
        text = log_tail(response.text)
        return text or "(lxc.log is empty)"
    except LxdError as exc:
        return f"(no lxc.log: {exc})"


# --------------------------------------------------------------------------------------------------
# The pipeline


def run_farm(spec: FarmSpec, client: LxdClient, factory: Callable[[], LxdClient], check_mode: bool = False,
             placement: PlacementSpec | None = None, clock: Callable[[], float] = time.monotonic,
             sleep: Callable[[float], None] = time.sleep, reader: Callable[..., dict[str, Any]] = read_networks,
             kernel_usable: Callable[[], bool] = usable) -> dict[str, Any]:
    """Make the farm look like ``spec``; returns the task result, raises FarmError/LxdError on failure.

    With a ``placement`` (on an LXD cluster), `place_farm` goes first: it decides which member each instance
    belongs on and carries out the creates, moves and recreates that takes. Then, on the instances that can be
    reached, `converge` plans, carries the steps out and waits for global addresses; `placement_result` adds
    the placement's part to the result (empty without a placement). One worker serves the whole run.

    API calls: one list (every instance, without state) to plan, and the addresses of the running instances
    concerned (from the kernel when LXD is local, else from LXD's state); for each instance to change, its
    writes and one GET of it afterwards; then, while waiting for addresses, one GET per round of each
    instance still without a preferred global address. A run with nothing to do on a local LXD makes the list
    call only. On a local LXD, when this process may read other namespaces (``kernel_usable``, root), the
    addresses read after a change or while waiting come from the kernel too, and those GETs leave the state
    out; elsewhere they ask for it.
    A placement adds the members (``GET /1.0/cluster/members``), one more list before the plan and its writes.

    The result carries the run's per-instance events (``progress``, see progress.py), the failed one's too, and
    the final count (``counts``, and ``msg`` in words).
    """
    progress = Progress(clock)
    kernel_state = kernel_readable(client) and kernel_usable()
    with FarmWorker(factory, spec, progress, kernel_state) as worker:
        placed = None if placement is None else place_farm(spec, placement, client, worker, check_mode)
        try:
            if placed is not None and placed.failures:
                raise placement_failed(placed)
            reached = spec if placed is None else dataclasses.replace(spec, names=placed.reachable(spec.names))
            result = converge(reached, client, worker, check_mode, clock, sleep, reader)
        except FarmError as exc:
            if placed is not None:
                exc.result = placement_result(exc.result, spec, placed, check_mode)
            exc.result["progress"] = progress.events
            raise
    result = placement_result(result, spec, placed, check_mode)
    tally = counts(result, spec.names)
    return dict(result, progress=progress.events, counts=tally, msg=summary(tally, check_mode))


def converge(spec: FarmSpec, client: LxdClient, worker: FarmWorker, check_mode: bool,
             clock: Callable[[], float], sleep: Callable[[float], None],
             reader: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """Plan ``spec`` against the instances LXD lists, carry the steps out (not in check mode) and wait for the
    global addresses; the task result (see `run_farm`)."""
    instances = list_instances(client)
    steps = plan(spec, instances)
    instances = add_networks(client, instances, [s.name for s in steps], reader=reader)
    changing = [s for s in steps if s.changed]
    result: dict[str, Any] = {"changed": bool(changing), "diff": diff_of(steps),
                              "actions": {s.name: s.actions for s in changing}}
    source = checked_source(client, spec, changing)
    outcome: dict[str, dict[str, Any]] = {}
    if check_mode:
        done = {s.name: s.actions for s in changing}
    else:
        outcome = worker.run_all(changing, instances, source)
        done = {name: o["done"] for name, o in outcome.items()}
        fetched = with_networks(client, worker, {name: o["instance"] for name, o in outcome.items()}, reader)
        instances = updated(instances, fetched)
    for key, action in (("created", "create"), ("deleted", "delete"), ("started", "start"),
                        ("restarted", "restart"), ("stopped", "stop"), ("updated", "update")):
        result[key] = [s.name for s in changing if action in done.get(s.name, [])]
    facts = functools.partial(steps_facts, steps, done=done, check_mode=check_mode)
    failures = {name: o for name, o in outcome.items() if o["error"]}
    if failures:
        running = [n for n in spec.names if instance_state(instances.get(n)) == "Running"]
        result.update(instances=facts(instances), failed_instances=sorted(failures, key=natural_key),
                      running=running, changed=bool(any(done.values())))
        raise FarmError(steps_failed(client, failures, len(changing), result), result)
    if spec.state == "started" and spec.wait_for_ipv6:
        # In check mode, the instances that would not change are waited for as a real run waits for them: a
        # container still booting may drop its SLAAC addresses for an instant (its network manager taking the
        # link over from the kernel), and check mode should return the addresses the run would return.
        waited = spec if not check_mode else dataclasses.replace(
            spec, names=[s.name for s in steps if not s.changed and s.name in spec.names])

        def refresh(names: list[str]) -> dict[str, dict[str, Any] | None]:
            return with_networks(client, worker, worker.refresh(names), reader)

        instances, problem = wait_for_global(waited, client, instances, refresh, clock=clock, sleep=sleep,
                                             progress=worker.progress)
        if problem:
            result["instances"] = facts(instances)
            result["running"] = [n for n in spec.names if instance_state(instances.get(n)) == "Running"]
            result["failed_instances"] = [n for n in waited.names if n not in result["running"]]
            result["without_global"] = without_global(waited.names, instances)
            raise FarmError(problem, result)
    result["instances"] = facts(instances)
    return result


def checked_source(client: LxdClient, spec: FarmSpec, steps: list[Step]) -> dict[str, str] | None:
    """The create source when a step creates, after checking the profiles when a step sets them: the checks
    that need LXD, made before anything is written."""
    source = None
    if any(s.create or s.recreate for s in steps):
        source = resolve_image(client, spec.image)
    if any(s.create or s.recreate or (s.update and "profiles" in s.changes) for s in steps):
        check_profiles(client, spec.profiles)
    return source


def updated(instances: dict[str, dict[str, Any]],
            fresh: dict[str, dict[str, Any] | None]) -> dict[str, dict[str, Any]]:
    """``instances`` with those fetched again replaced, and dropped when they no longer exist."""
    result = dict(instances)
    for name, instance in fresh.items():
        if instance is None:
            result.pop(name, None)
        else:
            result[name] = instance
    return result


def steps_facts(steps: list[Step], current: dict[str, dict[str, Any]], done: dict[str, list[str]],
                check_mode: bool) -> list[dict[str, Any]]:
    """`instance_facts` of each instance concerned; in check mode, with the state it would have."""
    out = []
    for step in steps:
        item = instance_facts(step.name, current.get(step.name),
                              created="create" in done.get(step.name, []), changed=bool(done.get(step.name)))
        if check_mode:
            item["state"] = step.after
        out.append(item)
    return out


def steps_failed(client: LxdClient, failures: dict[str, dict[str, Any]], changing: int,
                 result: dict[str, Any]) -> str:
    """The message of a run where steps failed: which, in which phase, and the log of those that did not start."""
    lines = []
    for name, failure in failures.items():
        line = f"{name}: {failure['phase']} failed: {failure['error']}"
        if failure["phase"] == "start":
            line += f"\nlast lines of its lxc.log:\n{fetch_log_tail(client, name)}"
        lines.append(line)
    started, running = ", ".join(result["started"]) or "none", ", ".join(result["running"]) or "none"
    return (f"{len(failures)} of {changing} instance(s) failed ({', '.join(result['failed_instances'])}); "
            f"started: {started}; running now: {running}\n" + "\n".join(lines))


def wait_for_global(spec: FarmSpec, client: LxdClient, instances: dict[str, dict[str, Any]],
                    refresh: Callable[[list[str]], dict[str, dict[str, Any] | None]],
                    clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                    progress: Progress | None = None) -> tuple[dict[str, dict[str, Any]], str | None]:
    """Poll every POLL_INTERVAL s the instances still without a preferred global IPv6 address (and with a NIC),
    noting in ``progress`` each one's address as it is seen.

    Returns the instances last seen and None, or a message saying what is missing: an instance that stopped
    (with the tail of its log) or, at the timeout, the instances without a global address.
    """
    deadline = clock() + spec.wait_timeout
    instances = dict(instances)
    while True:
        stopped = [n for n in spec.names if instance_state(instances.get(n)) != "Running"]
        if stopped:
            lines = [f"{n} is {instance_state(instances.get(n))}; last lines of its lxc.log:\n"
                     f"{fetch_log_tail(client, n)}" for n in stopped]
            running = [n for n in spec.names if n not in stopped]
            return instances, (f"instance(s) {', '.join(stopped)} did not keep running; running: "
                               f"{', '.join(running) or 'none'}\n" + "\n".join(lines))
        waiting = without_global(spec.names, instances)
        if not waiting:
            return instances, None
        if clock() >= deadline:
            return instances, no_global_message(waiting, instances, spec.wait_timeout)
        sleep(POLL_INTERVAL)
        instances = updated(instances, refresh(waiting))
        if progress is not None:
            note_addresses(progress, waiting, instances)


def note_addresses(progress: Progress, waited: list[str], instances: dict[str, dict[str, Any]]) -> None:
    """Note the address of each instance among ``waited`` that has a preferred global one now."""
    for name in waited:
        found = instance_addresses(((instances.get(name) or {}).get("state") or {}).get("network"))["global"]
        if found:
            progress.note(name, f"address {found[0]}")


# --------------------------------------------------------------------------------------------------
# The placement on a cluster


@dataclass
class Placed:
    """What `place_farm` did: the placement decided, the member and status of each instance before it, the
    steps done ({name: action}) and those that failed ({name: message})."""

    placement: Placement
    locations: dict[str, str]
    statuses: dict[str, str]
    done: dict[str, str] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)

    def reachable(self, names: list[str]) -> list[str]:
        return [n for n in names if n not in self.placement.offline]


def place_farm(spec: FarmSpec, wanted: PlacementSpec, client: LxdClient, worker: FarmWorker,
               check_mode: bool) -> Placed:
    """Read the members and where each instance is, let `decide` place the farm, then carry out the creates,
    moves and recreates that takes (not in check mode). Instances on a member that is offline are left as they
    are: LXD keeps their name (and, on local storage, their disk) on that member until it comes back or is
    removed from the cluster. FarmError for a placement that cannot be carried out, before any write."""
    members = cluster_members(client)
    instances = list_instances(client)
    placed = Placed(Placement(), {n: str(i.get("location")) for n, i in instances.items()},
                    {n: str(i.get("status") or "Stopped") for n, i in instances.items()})
    members = reachable_members(members, instances)
    try:
        placed.placement = decide(spec.names, spec.state, members, placed.locations, wanted, client.server)
        if spec.prune:
            check_prunable(prune_candidates(spec, instances), members, placed.locations, client.server)
    except PlacementError as exc:
        raise FarmError(str(exc)) from exc
    steps = placement_steps(spec, placed)
    source = checked_source(client, spec, steps)
    if check_mode:
        placed.done = {s.name: s.actions[0] for s in steps}
    else:
        for step, outcome in run_placement(worker, client, placed.placement, steps, instances, source):
            if outcome["error"]:
                placed.failures[step.name] = (f"{step.actions[0]} on {step.member or 'the member LXD picks'} "
                                              f"failed: {outcome['error']}")
            else:
                placed.done[step.name] = step.actions[0]
    return placed


def placement_steps(spec: FarmSpec, placed: Placed) -> list[Step]:
    """The moves, the recreates and the creates the placement asks for, each on its member."""
    placement = placed.placement
    jobs = ([("move", n, pair[1]) for n, pair in placement.moves.items()]
            + [("recreate", n, pair[1]) for n, pair in placement.recreates.items()]
            + [("create", n, m) for n, m in placement.new.items()])
    steps = []
    for action, name, member in jobs:
        before = placed.statuses.get(name, "absent")
        steps.append(Step(name, before, before, move=action == "move", recreate=action == "recreate",
                          create=action == "create", member=member, placing=True,
                          secret=None if action == "move" else wanted_secret(name, spec, None)))
    return steps


def run_placement(worker: FarmWorker, client: LxdClient, placement: Placement, steps: list[Step],
                  instances: dict[str, dict[str, Any]],
                  source: dict[str, str] | None) -> list[tuple[Step, dict[str, Any]]]:
    """Each step run with its outcome. With ``follow_first`` the first new instance is created first, on the
    member LXD picks, and the other new ones follow it there (or are not created when it failed)."""
    ran: list[tuple[Step, dict[str, Any]]] = []
    if placement.follow_first:
        first = next(s for s in steps if s.create)
        outcome = worker.run_all([first], instances, source)[first.name]
        ran.append((first, outcome))
        steps = [s for s in steps if s is not first]
        if outcome["error"]:
            steps = [s for s in steps if not s.create]
        else:
            anchor = (client.get(f"instances/{first.name}") or {}).get("location")
            steps = [dataclasses.replace(s, member=anchor) if s.create else s for s in steps]
    outcomes = worker.run_all(steps, instances, source)
    return ran + [(s, outcomes[s.name]) for s in steps]


def placement_failed(placed: Placed) -> FarmError:
    """The failure of a placement whose steps did not all succeed; the farm's own steps are not run then."""
    failed = sorted(placed.failures, key=natural_key)
    message = "; ".join(f"{n}: {placed.failures[n]}" for n in failed)
    return FarmError(f"{len(failed)} cluster change(s) failed; {message}",
                     {"changed": bool(placed.done), "failed_instances": failed})


def placement_result(result: dict[str, Any], spec: FarmSpec, placed: Placed | None,
                     check_mode: bool) -> dict[str, Any]:
    """``result`` with the placement's part: ``moved``, ``recreated``, ``misplaced`` ({name: {location,
    belongs_on}}, for those left where they are), ``offline`` ({name: member}), ``placement`` ({member:
    [names]}), the ``location`` of each instance (the planned one in check mode), its placement step first in
    its ``actions``, and ``<name>.location`` diff entries. Without a placement these are empty."""
    if placed is None:
        return dict(result, moved=[], recreated=[], misplaced={}, offline={}, placement={})
    placement, done, order = placed.placement, placed.done, {n: i for i, n in enumerate(spec.names)}
    result = dict(result)
    actions = dict(result.get("actions") or {})
    for name, action in done.items():
        actions[name] = [action] + [a for a in actions.get(name, []) if a != "create"]
    result["actions"] = dict(sorted(actions.items(), key=lambda kv: order.get(kv[0], len(order))))
    created = [n for n, a in done.items() if a == "create"] + list(result.get("created") or [])
    result["created"] = sorted(set(created), key=lambda n: order.get(n, len(order)))
    result["moved"] = [n for n in spec.names if done.get(n) == "move"]
    result["recreated"] = [n for n in spec.names if done.get(n) == "recreate"]
    result["changed"] = bool(result.get("changed")) or bool(done)
    planned: dict[str, str | None] = dict(placement.new)
    planned.update({n: pair[1] for n, pair in list(placement.moves.items()) + list(placement.recreates.items())})
    result["instances"] = placed_facts(result.get("instances") or [], spec, placed, planned, check_mode)
    result["diff"] = placed_diff(result.get("diff"), spec, placed, planned, check_mode)
    result["misplaced"] = {n: {"location": frm, "belongs_on": to} for n, (frm, to) in placement.misplaced.items()
                           if n not in placement.moves and n not in placement.recreates}
    result["offline"] = dict(placement.offline)
    layout: dict[str, list[str]] = {}
    for item in result["instances"]:
        if item.get("location") and item["name"] in order:
            layout.setdefault(str(item["location"]), []).append(item["name"])
    result["placement"] = layout
    return result


def placed_facts(found: list[dict[str, Any]], spec: FarmSpec, placed: Placed, planned: dict[str, str | None],
                 check_mode: bool) -> list[dict[str, Any]]:
    """The facts of each instance with the placement's part: those on an offline member as ``unreachable``."""
    facts = []
    by_name = {item["name"]: item for item in found}
    for name in spec.names:
        if name in placed.placement.offline:
            item = instance_facts(name, None)
            item.update(state=UNREACHABLE, status=None, location=placed.placement.offline[name])
            facts.append(item)
            continue
        item = dict(by_name.get(name) or instance_facts(name, None))
        if name in placed.done:
            item["changed"] = True
            item["created"] = item.get("created") or placed.done[name] in ("create", "recreate")
        if check_mode and name in planned:
            item["location"] = planned[name]
        facts.append(item)
    return facts + [item for name, item in by_name.items() if name not in spec.names]


def placed_diff(diff: dict[str, Any] | None, spec: FarmSpec, placed: Placed, planned: dict[str, str | None],
                check_mode: bool) -> dict[str, Any]:
    """The diff with the placement's part: ``<name>.location`` entries, and the state before a placement step
    (the farm's own diff saw the instance after it)."""
    diff = diff or {"before": {}, "after": {}}
    before, after = dict(diff.get("before") or {}), dict(diff.get("after") or {})
    for name in spec.names:
        if name in placed.placement.offline:
            before[name] = after[name] = UNREACHABLE
        if name in placed.done and not check_mode:
            before[name] = placed.statuses.get(name, "absent") if placed.done[name] != "create" else "absent"
        if name in planned:
            before[f"{name}.location"] = placed.locations.get(name)
            after[f"{name}.location"] = planned[name]
    return {"before": before, "after": after}
