# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The `bench/renumbering` section: the run and the machine, how a round goes, and per step of a renumbering (and
of the re-run with nothing to change) the median, min, max and number of samples, all read from
docs/bench/renumbering.json (written by bench/renumbering)."""

from __future__ import annotations

import statistics
from typing import Any

from .common import load_during, paragraph, seconds

TITLE = "## `bench/renumbering`: from a new prefix to the right DNS records"
# A renumbering's steps, in the order of the clock, with their rows' labels ({n}: the number of containers).
STEPS = {
    "slaac": "slaac: router advertisement to the new address in all {n} containers",
    "gap": "the slaac probe's exit, until the run starts",
    "run": "one run of the site playbook (ansible-playbook wall time)",
    "after": "after the run until dig answered right (the probe's own start-up and {digs} digs)",
    "total": "**total: new router advertisement to every record right**",
}
# What a task of the site playbook does, by its action ({n}: containers; {checker}: the zone checker found).
TASKS = {
    "palmfarm.ipv6.lxd_farm": "task lxd_farm (reads the kernel, nothing to change)",
    "palmfarm.ipv6.dns_aaaa": "task dns_aaaa (2 zones, {aaaa} AAAA + {n} PTR, validated with {checker})",
    "ansible.builtin.command": "handler knotc zone-reload",
}
NOOP = "a re-run with nothing to change (ansible-playbook wall time)"
READING = ("{slaac_share} the rest is one ansible-playbook run, whose floor on this machine is the {noop} s of a run "
           "with nothing to change (ansible-playbook's start-up and the modules' round trips).")
NOT_MEASURED = ("Not measured: how long the router takes to learn the new prefix by DHCPv6-PD (the ISP's side). The "
                "old addresses stay in the containers, deprecated, for the remaining valid lifetime capped at 2 hours "
                "(RFC 4862 5.5.3 e, which systemd-networkd and the kernel both apply, so a valid lifetime of {valid} s "
                "in the advertisement does not end them sooner); they are reported under `ipv6.deprecated` and never "
                "published.")


def of_way(data: dict[str, Any], way: str) -> list[dict[str, Any]]:
    return [s for s in data["samples"] if s["way"] == way]


def step_values(samples: list[dict[str, Any]], step: str) -> list[float]:
    return [s[step] for s in samples if s.get(step) is not None]


def task_values(samples: list[dict[str, Any]]) -> dict[tuple[str, str, bool], list[float]]:
    """The seconds of each task (name, action, handler), in the order the tasks first ran."""
    values: dict[tuple[str, str, bool], list[float]] = {}
    for sample in samples:
        for task in sample.get("tasks", []):
            values.setdefault((task["task"], task["action"], task["handler"]), []).append(task["seconds"])
    return values


def row(label: str, values: list[float], bold: bool = False) -> str:
    if not values:
        return f"| {label} | not measured | | | 0 |"
    cells = [seconds(statistics.median(values)), seconds(min(values)), seconds(max(values))]
    if bold:
        cells = [f"**{cell}**" for cell in cells]
    return f"| {label} | {' | '.join(cells)} | {len(values)} |"


def task_label(data: dict[str, Any], task: tuple[str, str, bool], noop: bool) -> str:
    """A task's row label: what it does in a renumbering; in a no-op only its kind and module (it does less)."""
    name, action, handler = task
    n = len(data["containers"])
    checker = "named-checkzone" if data["machine"].get("named_checkzone") else "kzonecheck"
    text = TASKS.get(action, f"{'handler' if handler else 'task'} {name}").format(n=n, aaaa=2 * n, checker=checker)
    return f"- no-op: {text.split(' (')[0]}" if noop else f"- {text}"


def table(data: dict[str, Any]) -> list[str]:
    n = len(data["containers"])
    renumber, noop = of_way(data, "renumber"), of_way(data, "no-op")
    lines = ["| step (seconds) | median | min | max | n |", "|---|---|---|---|---|"]
    for step, label in STEPS.items():
        lines.append(row(label.format(n=n, digs=2 * n), step_values(renumber, step), bold=step == "total"))
        if step == "run":
            lines += task_rows(data, renumber, noop=False)
    return lines + [row(NOOP, step_values(noop, "run"))] + task_rows(data, noop, noop=True)


def task_rows(data: dict[str, Any], samples: list[dict[str, Any]], noop: bool) -> list[str]:
    return [row(task_label(data, task, noop), values) for task, values in task_values(samples).items()]


def run_lines(data: dict[str, Any]) -> list[str]:
    m = data["machine"]
    server = m.get("server") or {}
    server_text = f"{'Incus' if server.get('name') == 'incus' else 'LXD'} {server.get('version', 'of unknown version')}"
    samples = data["samples"]
    text = (f"`{data['command']}`, from {data['started']} to {data['finished']}. Machine: {m['nproc']} cores, Linux "
            f"{m['kernel']}, Debian {m['debian']}, {server_text}, ansible-core {m['ansible_core']} (Python "
            f"{m['python']}), radvd {m['radvd']} in the namespace {data['router']}, Knot DNS {m['knot']} on ::1, "
            f"named-checkzone {m['named_checkzone']}; {len(data['containers'])} containers of {data['image']} "
            f"(systemd-networkd takes the router advertisements){load_during(samples)}.")
    lines = paragraph(text) + [""]
    if not data["complete"]:
        lines += paragraph(f"Incomplete: the run stopped after {len(samples)} samples: "
                           f"{data['error'].splitlines()[0]}") + [""]
    return lines


def how_lines(data: dict[str, Any]) -> list[str]:
    prefixes = [s["prefix"] for s in of_way(data, "renumber")]
    span = f" ({prefixes[0]} to {prefixes[-1]})" if prefixes else ""
    text = (f"How: it builds the home LAN of the integration target tests/integration/targets/renumbering (router "
            f"{data['router']}, bridge {data['bridge']}, containers {', '.join(data['containers'])}, Knot), publishes "
            f"once with {data['old_prefix']}, then {data['rounds']} rounds of a renumbering and a re-run with "
            f"nothing to change, their order swapped from one round to the next. A renumbering: the router "
            f"advertises the next global prefix{span} beside the ULA one ({data['ula_prefix']}), and the previous "
            f"global prefix with preferred lifetime 0 / valid lifetime {data['valid_lifetime']} s. {data['clock']} "
            f"{data['checks']}")
    return paragraph(text) + [""]


def reading_lines(data: dict[str, Any]) -> list[str]:
    renumber = of_way(data, "renumber")
    slaac, total = step_values(renumber, "slaac"), step_values(renumber, "total")
    noop = step_values(of_way(data, "no-op"), "run")
    if not (slaac and total and noop):
        return []
    share = (f"SLAAC takes {seconds(statistics.median(slaac))} s of the median total of "
             f"{seconds(statistics.median(total))} s;")
    return paragraph(READING.format(slaac_share=share, noop=seconds(statistics.median(noop)))) + [""]


def render(data: dict[str, Any]) -> list[str]:
    """The section's lines, between its markers."""
    lines = [TITLE, ""] + run_lines(data) + how_lines(data) + table(data) + [""] + reading_lines(data)
    return lines + paragraph(NOT_MEASURED.format(valid=data["valid_lifetime"]))
