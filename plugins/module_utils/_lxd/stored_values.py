# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Config, device and property values as LXD stores them (strings), so that comparisons are exact."""

from __future__ import annotations

from typing import Any, Mapping

from .connection import LxdError

DEVICE_TYPE_HINT = "e.g. type: nic with nictype: bridged and parent: br0, or type: disk with path and pool"


class LxdValueError(LxdError):
    """A value LXD cannot store; raised before anything is changed."""


def kind_of(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a dict"
    if isinstance(value, (list, tuple, set)):
        return "a list"
    if value is None:
        return "null"
    return f"a {type(value).__name__}"


def lxd_value(value: Any, where: str, error: type[LxdError] = LxdValueError) -> str:
    """The string LXD stores for ``value``: booleans as "true"/"false", numbers in decimal.

    None becomes "" (LXD drops a key whose value is empty). ``error`` is the exception class to raise.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    raise error(
        f"{where} is {kind_of(value)} ({value!r}); LXD keeps only strings here (numbers and booleans are "
        f"converted): write the value as one string, or leave the key out"
    )


def normalize_config(config: Mapping[str, Any] | None, option: str = "config",
                     error: type[LxdError] = LxdValueError) -> dict[str, str] | None:
    """``config`` with every value as LXD stores it; None stays None (the option was not given)."""
    if config is None:
        return None
    if not isinstance(config, Mapping):
        raise error(f"{option} is {kind_of(config)} ({config!r}); give a dict of key: value, "
                    f"e.g. {{limits.cpu: '2'}}")
    return {str(key): lxd_value(value, f"{option}.{key}", error) for key, value in config.items()}


def normalize_devices(devices: Mapping[str, Any] | None, require_type: bool = False, option: str = "devices",
                      error: type[LxdError] = LxdValueError) -> dict[str, dict[str, str]] | None:
    """``devices`` as a dict of device name -> dict of string settings; None stays None.

    With require_type, every device must carry a ``type`` (merging onto an existing device need not).
    """
    if devices is None:
        return None
    if not isinstance(devices, Mapping):
        raise error(f"{option} is {kind_of(devices)} ({devices!r}); give a dict of device name -> "
                    f"settings, {DEVICE_TYPE_HINT}")
    result: dict[str, dict[str, str]] = {}
    for name, settings in devices.items():
        if not isinstance(settings, Mapping):
            raise error(
                f"device {name!r} is {kind_of(settings)} ({settings!r}); each device is a dict of settings "
                f"with at least a type, {DEVICE_TYPE_HINT}"
            )
        result[str(name)] = normalize_config(settings, f"{option}.{name}", error) or {}
    if require_type:
        problem = missing_type_problem(result)
        if problem:
            raise error(problem)
    return result


def missing_type_problem(devices: Mapping[str, Mapping[str, str]]) -> str | None:
    """None when every device has a type, else which ones lack it and how to fix that."""
    lacking = sorted(name for name, settings in devices.items() if not settings.get("type"))
    if not lacking:
        return None
    return (f"device(s) {', '.join(repr(n) for n in lacking)} have no 'type'; LXD needs one for every device: "
            f"add it, {DEVICE_TYPE_HINT}")
