# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dns_aaaa module's adapter: its options made the planner's request (_dns/planner.py), the records as given
(a list or a file), the store of the method chosen (the zone files, _dns/zone_file.py, or the server's dynamic
zone, _dns/nsupdate.py), and the outcome made the module's result."""

from __future__ import annotations

from typing import Any, Mapping

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from .._dns.input_stamp import records_source
from .._dns.planner import Outcome, Request, Server
from .._dns.records_input import farm_records, parse_records_file, read_records_file
from .._dns.zone_file import publish_given
from .._dns.zone_parser import MissingIdna, ZoneError
from .._optional import import_idna

TSIG_ALGORITHMS = ["hmac-md5", "hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512"]


# The options every store takes, and those of the zone files; the server's are given as a Server.
REQUEST_OPTIONS = ("zone", "ttl", "name_prefix", "ptr", "reverse_zone", "prune", "max_delete_percent", "force",
                   "state", "scopes", "take_over")
FILE_OPTIONS = ("zone_file", "include_file", "reverse_zone_file", "reverse_include_file", "serial_format",
                "validate")


def build_request(params: Mapping[str, Any], records: list[dict[str, Any]]) -> Request:
    """The planner's request from the module's options and the records as given."""
    request = Request(records=records, **{k: params[k] for k in REQUEST_OPTIONS})
    if params["method"] == "nsupdate":
        request.server = Server(params["server"], params["port"], params["tsig_key_name"],
                                params["tsig_key_secret"], params["tsig_algorithm"], params["timeout"])
    else:
        for option in FILE_OPTIONS:
            setattr(request, option, params[option])
    return request


def outcome_result(module: AnsibleModule, outcome: Outcome) -> dict[str, Any]:
    """The result of either method: the change, the records (unless return_records=false), what moved, the
    serials, the backups and the diff."""
    for warning in outcome.warnings:
        module.warn(warning)
    result: dict[str, Any] = {"records": outcome.records} if module.params["return_records"] else {}
    result.update({
        "changed": outcome.changed,
        "added": outcome.added,
        "removed": outcome.removed,
        "updated": outcome.updated,
        "serial": {c.key: {"before": c.serial_before, "after": c.serial_after} for c in outcome.changes},
    })
    if outcome.backups:
        result["backup_files"] = outcome.backups
    if module._diff:
        result["diff"] = [d for c in outcome.changes if c.changed for d in c.diffs()]
    return result


def run_nsupdate(module: AnsibleModule, request: Request) -> Outcome:
    # dnspython is loaded only for this method: method=file runs without it, and without its import time.
    # pylint: disable-next=import-outside-toplevel
    from .._optional import import_dnspython

    dns, error = import_dnspython()
    if dns is None:
        module.fail_json(msg=missing_required_lib("dnspython"), exception=error)
    # pylint: disable-next=import-outside-toplevel
    from .._dns.nsupdate import nsupdate_publish
    return nsupdate_publish(request, module.check_mode)


ARGUMENT_SPEC: dict[str, Any] = {
    "zone": {"type": "str", "required": True},
    "zone_file": {"type": "path"},
    "include_file": {"type": "path"},
    "records": {"type": "list", "elements": "dict", "default": []},
    "records_file": {"type": "path"},
    "scopes": {"type": "list", "elements": "str", "choices": ["global", "ula"]},
    "name_prefix": {"type": "str", "default": ""},
    "ttl": {"type": "int", "default": 3600},
    "ptr": {"type": "bool", "default": False},
    "reverse_zone": {"type": "str"},
    "reverse_zone_file": {"type": "path"},
    "reverse_include_file": {"type": "path"},
    "prune": {"type": "bool", "default": False},
    "max_delete_percent": {"type": "int", "default": 50},
    "force": {"type": "bool", "default": False},
    "take_over": {"type": "bool", "default": False},
    "return_records": {"type": "bool", "default": True},
    "serial_format": {"type": "str", "choices": ["date", "increment", "unixtime"], "default": "date"},
    "validate": {"type": "bool", "default": True},
    "backup": {"type": "bool", "default": False},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "method": {"type": "str", "choices": ["file", "nsupdate"], "default": "file", "aliases": ["backend"]},
    "server": {"type": "str"},
    "port": {"type": "int", "default": 53},
    "tsig_key_name": {"type": "str", "no_log": False},
    "tsig_key_secret": {"type": "str", "no_log": True},
    "tsig_algorithm": {"type": "str", "choices": TSIG_ALGORITHMS, "default": "hmac-sha256"},
    "timeout": {"type": "float", "default": 10},
}
RULES: dict[str, Any] = {
    "required_if": [
        ("method", "file", ("zone_file", "include_file")),
        ("method", "nsupdate", ("server",)),
        ("ptr", True, ("reverse_zone",)),
    ],
    "required_together": [("tsig_key_name", "tsig_key_secret")],
    "mutually_exclusive": [("records", "records_file")],
}


def run_module(module: AnsibleModule) -> None:
    """Run dns_aaaa and exit with its result."""
    p = module.params
    try:
        source = read_records_file(p["records_file"]) if p["records_file"] else None

        def records() -> tuple[list[Any], list[str]]:
            given = p["records"] if source is None else parse_records_file(p["records_file"], source)
            return farm_records(given, p["state"], p["scopes"])

        request = build_request(p, [])
        if p["method"] == "file":
            outcome, warnings = publish_given(
                request, records_source(p["records"]) if source is None else source, records, module.run_command,
                module.check_mode, module.backup_local if p["backup"] else None, p["return_records"])
        else:
            request.records, warnings = records()
            outcome = run_nsupdate(module, request)
        for warning in warnings:
            module.warn(warning)
        result = outcome_result(module, outcome)
    except MissingIdna as exc:
        module.fail_json(msg=missing_required_lib("idna", reason=f"to convert the name {exc.name!r} (IDNA 2008)"),
                         exception=import_idna()[1])
    except (ZoneError, OSError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)
