# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The `bench/cluster` section: the cluster, the run and the machine, per placement the median, min, max and number of
samples (and each run in order), the ratio of the medians and what it says, all read from docs/bench/cluster.json
(written by bench/cluster)."""

from __future__ import annotations

import datetime
import statistics
from typing import Any

from .common import load_during, paragraph

WORDS = {1: "one", 2: "two", 3: "three", 4: "four"}
# The ways, in the table's order, with their labels ({members}: the cluster's number of members).
WAYS = {"spread": "placement: spread ({members} members)", "single": "placement: single (1 member)"}
HOW = ("`bench/cluster` brings up its own {members_word}-member cluster with `palmfarm.ipv6.lab_cluster` "
       "({members_word} extra {server} daemons on this host, members {names}, each with its own `{dir_variable}`, "
       "HTTPS on {addresses}), then times one `palmfarm.ipv6.lxd_farm` task creating {count} replicas of `{image}` "
       "(profiles default + a br0 bridge profile) over HTTPS with the cluster certificate pinned, until every replica "
       "runs and has its SLAAC global address, with `placement: spread` and with `placement: single` (target "
       "{first}): each way once per repetition, their order swapped from one repetition to the next. {clock} "
       "{checks} The cluster is taken down at the end.")
READING = ("Reading: the members are daemons on the same {nproc} cores here, so spreading cannot gain a second "
           "machine's CPU and disk; the figure is the cost of placing and reaching replicas through the cluster (each "
           "create forwarded by the member the module talks to, to the member named by `?target=`): {verdict}. On "
           "real Pis, each member creates its share of the containers on its own CPU and SD card, so the creation part "
           "should roughly halve with two members.")


def times(data: dict[str, Any], way: str) -> list[float]:
    """A way's seconds, in the order of the run."""
    samples = sorted((s for s in data["samples"] if s["way"] == way), key=lambda s: (s["repeat"], s["position"]))
    return [s["seconds"] for s in samples]


def duration(data: dict[str, Any]) -> str:
    """How long the whole bench took, from its start and finish (UTC, ISO 8601)."""
    took = int((datetime.datetime.fromisoformat(data["finished"])
                - datetime.datetime.fromisoformat(data["started"])).total_seconds())
    return f"{took // 60} min {took % 60} s"


def server_of(data: dict[str, Any]) -> tuple[str, str]:
    """The server's label with its version, and the variable naming a daemon's state directory."""
    server = data["machine"].get("server") or {}
    label = "Incus" if server.get("name") == "incus" else "LXD"
    version = server.get("version")
    return (f"{label} {version}" if version else label), ("INCUS_DIR" if label == "Incus" else "LXD_DIR")


def verdict(spread: list[float], single: list[float]) -> str:
    if min(spread) <= max(single) and min(single) <= max(spread):
        return (f"the two ways' runs overlap ({min(spread):.1f}–{max(spread):.1f} s spread, {min(single):.1f}–"
                f"{max(single):.1f} s single), so the difference is within the spread of the runs on this machine")
    faster = "spread" if max(spread) < min(single) else "single"
    return f"every {faster} run was quicker than every run of the other way"


def table(data: dict[str, Any]) -> list[str]:
    members = len(data["members"])
    lines = [f"| {data['count']} replicas, lxd_farm over HTTPS, until every one has its global address | median s | "
             "min s | max s | n | runs in order, s |", "|---|---|---|---|---|---|"]
    for way, label in WAYS.items():
        values = times(data, way)
        if not values:
            lines.append(f"| {label.format(members=members)} | not measured | | | 0 | |")
            continue
        lines.append(f"| {label.format(members=members)} | {statistics.median(values):.1f} | {min(values):.1f} | "
                     f"{max(values):.1f} | {len(values)} | {', '.join(f'{v:.1f}' for v in values)} |")
    spread, single = times(data, "spread"), times(data, "single")
    ratio = f"{statistics.median(spread) / statistics.median(single):.2f}" if spread and single else "–"
    return lines + [f"| ratio spread / single (medians) | {ratio} | | | | |"]


def render(data: dict[str, Any]) -> list[str]:
    """The section's lines, between its markers."""
    m, members = data["machine"], data["members"]
    server, dir_variable = server_of(data)
    words = WORDS.get(len(members), str(len(members)))
    lines = [f"## `bench/cluster`: {data['count']} replicas spread over {words} {server.split()[0]} cluster members "
             "against one", ""]
    lines += paragraph(HOW.format(
        members_word=words, server=server, names=" and ".join(x["name"] for x in members), dir_variable=dir_variable,
        addresses=" and ".join(x["address"] for x in members), count=data["count"], image=data["image"],
        first=members[0]["name"], clock=data["clock"], checks=data["checks"])) + [""]
    lines += paragraph(
        f"Run: `{data['command']}`, from {data['started']} to {data['finished']} (the whole bench took "
        f"{duration(data)}). Machine: {m['nproc']} cores, {m['memory_gb']} GB of memory, Linux {m['kernel']}, Debian "
        f"{m['debian']}, ansible-core {m['ansible_core']} (Python {m['python']}), {server}"
        f"{load_during(data['samples'])}.") + [""]
    if not data["complete"]:
        lines += paragraph(f"Incomplete: the run stopped after {len(data['samples'])} samples: "
                           f"{data['error'].splitlines()[0]}") + [""]
    lines += table(data) + [""]
    spread, single = times(data, "spread"), times(data, "single")
    if spread and single:
        lines += paragraph(READING.format(nproc=m["nproc"], verdict=verdict(spread, single)))
    return lines
