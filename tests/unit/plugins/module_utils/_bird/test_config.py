# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The BIRD renderer: exact text for each version, clear errors, and the real bird / bird6 parsers.

The parser tests run `bird -p -c FILE` (Debian package bird2) and `bird6 -p -c FILE` (BIRD 1.6.8, unpacked by
scripts/fetch_bird16.sh into $PALMFARM_BIRD16_DIR, default /tmp/palmfarm-ipv6-test/bird16) on every profile,
and Debian 13's BIRD 2.17 and BIRD 3.1 through the chroot wrappers scripts/fetch_bird_trixie.sh writes
($PALMFARM_BIRD_TRIXIE_DIR, default /tmp/palmfarm-ipv6-test/bird-trixie). They are skipped, saying why, only
when the binary is absent.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._bird.config import (
    PROFILES,
    BabelInterface,
    BirdConfigError,
    ConfigRequest,
    RipngInterface,
    binary_names,
    check_binary,
    choose_version,
    default_path,
    format_duration,
    parse_bird_release,
    parse_bird_version,
    parse_duration,
    rejection,
    render_config,
    unmatched_patterns,
)
from ansible_collections.palmfarm.ipv6.plugins.module_utils._module.babel_bird6 import config_request

BIRD16_DIR = Path(os.environ.get("PALMFARM_BIRD16_DIR")
                  or Path(os.environ.get("PALMFARM_TEST_DIR", "/tmp/palmfarm-ipv6-test")) / "bird16")
BIRD6 = BIRD16_DIR / "usr" / "sbin" / "bird6"
HOST_BIRD = shutil.which("bird") or ("/usr/sbin/bird" if os.path.exists("/usr/sbin/bird") else None)


def release_of(binary: str | None) -> str | None:
    """The release a BIRD binary names in `bird --version` (Debian 12's bird2 is 2.0.12, Debian 13's is 2.17)."""
    if binary is None:
        return None
    result = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30, check=False)
    match = re.search(r"BIRD version (\S+)", result.stdout + result.stderr)
    return match.group(1) if match else None


HOST_BIRD_RELEASE = release_of(HOST_BIRD)
# The host's own `bird`, when it is a BIRD 2 (the tests below render BIRD 2 files for it).
BIRD2 = HOST_BIRD if HOST_BIRD_RELEASE and HOST_BIRD_RELEASE.startswith("2.") else None
BIRD_TRIXIE_DIR = Path(os.environ.get("PALMFARM_BIRD_TRIXIE_DIR")
                       or Path(os.environ.get("PALMFARM_TEST_DIR", "/tmp/palmfarm-ipv6-test")) / "bird-trixie")
# Debian 13's BIRD 2.17 and BIRD 3.1, by the version they render for.
TRIXIE = {"2": BIRD_TRIXIE_DIR / "bird2" / "bird", "3": BIRD_TRIXIE_DIR / "bird3" / "bird"}
# `bird --version` of each release, as the real binaries print it (on stderr).
VERSION_OUTPUT = {release: f"BIRD version {release}\n"
                  for release in ("1.6.8", "2.0.12", "2.17.6", "3.1.8", HOST_BIRD_RELEASE) if release}


def params(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "router_id": "10.0.0.1",
        "profile": None,
        "babel": {"interfaces": [{"names": ["eth0"]}]},
        "ripng": None,
        "direct": None,
        "kernel": None,
        "device": None,
    }
    base.update(extra)
    return base


def render(options: dict[str, Any], version: str) -> str:
    """The file for the module's OPTIONS, as its adapter hands them to the core."""
    return render_config(config_request(options), version)


def babel(**iface: Any) -> dict[str, Any]:
    return {"interfaces": [{"names": ["eth0"], **iface}]}


def full(profile: str | None, bfd: bool = True) -> dict[str, Any]:
    return params(
        profile=profile,
        babel={"interfaces": [{"names": ["eth0", "eth1"]}, {"names": ["wlan*"], "check_link": True}]},
        ripng={"interfaces": [{"names": ["eth2"], "split_horizon": True, "poison_reverse": True, "bfd": bfd}]},
        direct={"interfaces": ["br-lan"]},
    )


# ---------------------------------------------------------------------------------------------- helpers

@pytest.mark.parametrize("value, micro", [
    ("50 ms", 50_000),
    ("1 s", 1_000_000),
    ("1", 1_000_000),
    (1, 1_000_000),
    (0.5, 500_000),
    ("1.5s", 1_500_000),
    ("250 us", 250),
    ("655 s", 655_000_000),
])
def test_parse_duration(value: Any, micro: int) -> None:
    assert parse_duration(value, "hello interval") == micro


@pytest.mark.parametrize("value", ["fast", "50 min", "", "-1 s", True, "0.5 us"])
def test_parse_duration_rejects(value: Any) -> None:
    with pytest.raises(BirdConfigError, match="hello interval"):
        parse_duration(value, "hello interval")


@pytest.mark.parametrize("micro, text", [(1_000_000, "1 s"), (50_000, "50 ms"), (1_500_000, "1500 ms"),
                                         (250, "250 us")])
def test_format_duration(micro: int, text: str) -> None:
    assert format_duration(micro) == text


@pytest.mark.parametrize("text, version", [
    ("BIRD version 2.0.12\n", "2"),
    ("BIRD version 1.6.8", "1.6"),
    ("BIRD version 3.1.0", "3"),
    (VERSION_OUTPUT["2.17.6"], "2"),
    (VERSION_OUTPUT["3.1.8"], "3"),
    ("BIRD version v2.15.1-1", None),
])
def test_parse_bird_version(text: str, version: str | None) -> None:
    if version is None:
        with pytest.raises(BirdConfigError, match="cannot read a BIRD version"):
            parse_bird_version(text)
    else:
        assert parse_bird_version(text) == version


@pytest.mark.parametrize("text, message", [
    ("BIRD version 1.5.0", "BIRD 1.5 has no Babel"),
    ("BIRD version 4.0", "4.0 is not supported"),
    ("bird: command not found", "cannot read a BIRD version"),
])
def test_parse_bird_version_rejects(text: str, message: str) -> None:
    with pytest.raises(BirdConfigError, match=message):
        parse_bird_version(text)


@pytest.mark.parametrize("text, release", [
    ("BIRD version 2.0.12\n", (2, 0, 12)),
    ("BIRD version 1.6.8", (1, 6, 8)),
    ("BIRD version 3.1", (3, 1, 0)),
    ("bird: BIRD version 2.17.6-1\n", (2, 17, 6)),
])
def test_parse_bird_release(text: str, release: tuple[int, int, int]) -> None:
    assert parse_bird_release(text) == release


TUNNEL = params(babel=babel(type="tunnel"))
MAC = params(babel=babel(authentication="mac", password="k"))


@pytest.mark.parametrize("p, version, release", [
    (params(), "2", "2.0.12"),
    (params(), "3", "3.1.8"),
    (params(), "1.6", "1.6.8"),
    (TUNNEL, "2", "2.17.6"),
    (TUNNEL, "3", "3.1.8"),
    (MAC, "2", "2.0.9"),
    (MAC, "2", "2.0.12"),
])
def test_check_binary_accepts(p: dict[str, Any], version: str, release: str) -> None:
    check_binary(config_request(p), version, "/usr/sbin/bird", f"BIRD version {release}\n")


@pytest.mark.parametrize("p, version, release, message", [
    (params(), "3", "2.0.12", r"/usr/sbin/bird is BIRD 2\.0\.12, but bird_version is 3: it cannot validate a file "
                              r"for BIRD 3; put a BIRD 3 first on PATH .* or set bird_version to 2"),
    (params(), "2", "3.1.8", r"is BIRD 3\.1\.8, but bird_version is 2"),
    (params(), "2", "1.6.8", r"is BIRD 1\.6\.8, but bird_version is 2"),
    (TUNNEL, "2", "2.0.12", r"babel\.interfaces\[0\]: type tunnel needs BIRD 2\.14 or later, and /usr/sbin/bird is "
                            r"BIRD 2\.0\.12; use type wired, or install BIRD 2\.14 or later"),
    (TUNNEL, "2", "2.13.1", r"type tunnel needs BIRD 2\.14"),
    (MAC, "2", "2.0.8", r"Babel authentication needs BIRD 2\.0\.9 or later, and /usr/sbin/bird is BIRD 2\.0\.8"),
    (params(), "2", "bird: not found", r"cannot read a BIRD version"),
])
def test_check_binary_refuses(p: dict[str, Any], version: str, release: str, message: str) -> None:
    with pytest.raises(BirdConfigError, match=message):
        text = release if " " in release else f"BIRD version {release}\n"
        check_binary(config_request(p), version, "/usr/sbin/bird", text)


@pytest.mark.parametrize("version, openwrt, path", [
    ("1.6", True, "/etc/bird6.conf"),
    ("2", True, "/etc/bird.conf"),
    ("1.6", False, "/etc/bird/bird6.conf"),
    ("3", False, "/etc/bird/bird.conf"),
])
def test_default_path(version: str, openwrt: bool, path: str) -> None:
    assert default_path(version, openwrt) == path


@pytest.mark.parametrize("found, version", [
    ([("bird", "/usr/sbin/bird", VERSION_OUTPUT["3.1.8"])], "3"),
    ([("bird", "/usr/sbin/bird", VERSION_OUTPUT["2.17.6"])], "2"),
    ([("bird", "/usr/sbin/bird", VERSION_OUTPUT["2.0.12"])], "2"),
    ([("bird6", "/usr/sbin/bird6", VERSION_OUTPUT["1.6.8"])], "1.6"),
    # OpenWrt 24.10 ships bird3 as `bird`; an old bird6 beside it does not count.
    ([("bird", "/usr/sbin/bird", VERSION_OUTPUT["3.1.8"]), ("bird6", "/usr/sbin/bird6", VERSION_OUTPUT["1.6.8"])],
     "3"),
])
def test_auto_chooses_from_real_version_output(found: list[tuple[str, str, str]], version: str) -> None:
    assert choose_version(iter(found)) == version


@pytest.mark.parametrize("rc, output, tail", [
    (1, "bird: /tmp/x.conf:3:74 Hello interval must be in range 10 ms - 655 s\n",
     "bird: /tmp/x.conf:3:74 Hello interval must be in range 10 ms - 655 s"),
    (-11, "", "it was killed by signal 11 and printed nothing"),
    (139, "  \n", "it exited with status 139 and printed nothing"),
])
def test_rejection_message(rc: int, output: str, tail: str) -> None:
    assert rejection("/usr/sbin/bird", rc, output) == (
        f"/usr/sbin/bird rejected the rendered configuration, which was not installed: {tail}")


def test_bird2_and_bird3_files_differ_only_in_the_header_and_fast_kernel_scans() -> None:
    """The files differ in little, yet each is validated only by its own generation (see check_binary)."""
    for profile in (None, *PROFILES):
        two, three = render(full(profile), "2"), render(full(profile), "3")
        if profile == "fast":
            three = three.replace("  scan time 1;\n  ipv6 {", "  scan time 10;\n  ipv6 {", 1)
        assert two.replace("# BIRD 2", "# BIRD 3", 1) == three


def test_binary_names() -> None:
    assert binary_names("1.6") == ("bird6", "birdc6")
    assert binary_names("2") == ("bird", "birdc")
    assert binary_names("3") == ("bird", "birdc")


# ------------------------------------------------------------------------------------------ rendering

SEED_16 = """\
# Managed by palmfarm.ipv6.babel_bird6: local changes are overwritten.
# BIRD 1.6, profile seed

router id 10.0.0.1;

protocol device {
  scan time 10;
}

protocol kernel {
  persist no;
  scan time 10;
  import none;
  export where source != RTS_DEVICE;
}

protocol babel {
  import all;
  export all;
  interface "eth0" {
    type wireless;
    hello interval 1;
    rxcost 512;
  };
}
"""

FAST_2 = """\
# Managed by palmfarm.ipv6.babel_bird6: local changes are overwritten.
# BIRD 2, profile fast

router id 10.0.0.1;

protocol device {
  scan time 10;
}

protocol kernel {
  persist no;
  scan time 10;
  ipv6 {
    import none;
    export where source != RTS_DEVICE;
  };
}

protocol babel {
  ipv6 {
    import all;
    export all;
  };
  interface "eth0" {
    type wired;
    hello interval 20 ms;
    limit 8;
  };
}
"""


def test_seed_on_bird16_is_the_blogs_config() -> None:
    assert render(params(profile="seed"), "1.6") == SEED_16


def test_fast_on_bird2() -> None:
    assert render(params(profile="fast"), "2") == FAST_2


def test_bird3_renders_like_bird2() -> None:
    assert render(full("stable"), "3") == render(full("stable"), "2").replace("BIRD 2", "BIRD 3")


@pytest.mark.parametrize("profile, version, lines", [
    ("seed", "2", ["type wireless;", "hello interval 1 s;", "rxcost 512;"]),
    ("stable", "2", ["type wired;", "hello interval 4 s;", "update interval 60 s;", "rxcost 96;", "limit 4;"]),
    ("stable", "1.6", ["type wired;", "hello interval 4;", "update interval 60;", "rxcost 96;"]),
    ("fast", "3", ["type wired;", "hello interval 20 ms;", "limit 8;"]),
])
def test_profile_presets(profile: str, version: str, lines: list[str]) -> None:
    text = render(params(profile=profile), version)
    for line in lines:
        assert f"    {line}\n" in text


def test_stable_on_bird16_leaves_limit_to_bird6() -> None:
    """bird6 has no 'limit' (its fixed rule for wired links is half of 16 Hellos): a profile's limit is left out
    there, and an interface's own limit refused."""
    assert "limit" not in render(params(profile="stable"), "1.6")
    assert "limit" not in render(params(profile="fast", babel=babel(hello_interval=1)), "1.6")
    with pytest.raises(BirdConfigError, match=r"limit 4 needs BIRD 2"):
        render(params(profile="stable", babel=babel(limit=4)), "1.6")


def test_interface_value_beats_profile() -> None:
    text = render(params(profile="fast", babel=babel(hello_interval="100 ms", limit=14)), "2")
    assert "hello interval 100 ms;" in text and "limit 14;" in text
    assert "20 ms" not in text and "limit 8;" not in text


def test_no_profile_leaves_bird_defaults() -> None:
    text = render(params(), "2")
    assert 'interface "eth0" {\n  };' in text


def test_ripng_bird16_and_bird2() -> None:
    ripng = {"interfaces": [{"names": ["eth1", "eth2"], "update_time": 5, "timeout_time": 15,
                             "garbage_time": 10, "split_horizon": True, "poison_reverse": False,
                             "bfd": True, "check_link": True}]}
    body = ('  interface "eth1", "eth2" {\n    update time 5;\n    timeout time 15;\n    garbage time 10;\n'
            '    split horizon yes;\n    poison reverse no;\n    bfd yes;\n    check link yes;\n  };\n')
    v16 = render(params(babel=None, ripng=ripng), "1.6")
    assert "protocol rip {\n  import all;\n  export all;\n" + body + "}\n" in v16
    assert "protocol bfd {\n}\n" in v16
    assert "protocol babel" not in v16
    v2 = render(params(babel=None, ripng=ripng), "2")
    assert "protocol rip ng {\n  ipv6 {\n    import all;\n    export all;\n  };\n" + body + "}\n" in v2


def test_ripng_fast_profile_watches_neighbours_with_bfd() -> None:
    text = render(params(babel=None, profile="fast", ripng={"interfaces": [{"names": ["eth1"]}]}), "2")
    assert "update time 1;\n    timeout time 3;\n    garbage time 6;\n    bfd yes;\n  };" in text
    assert "protocol bfd {\n}\n" in text


@pytest.mark.parametrize("profile, iface", [(None, {}), ("stable", {}), ("fast", {"bfd": False})])
def test_no_bfd_protocol_without_bfd(profile: str | None, iface: dict[str, Any]) -> None:
    ripng = {"interfaces": [{"names": ["eth1"], **iface}]}
    text = render(params(babel=None, profile=profile, ripng=ripng), "2")
    assert "protocol bfd" not in text
    assert ("bfd no;" in text) == (iface.get("bfd") is False)


def test_babel_authentication_on_bird2() -> None:
    text = render(params(babel=babel(authentication="mac", password="s3cret")), "2")
    assert '    authentication mac;\n    password "s3cret";\n' in text


def test_direct_and_kernel_options() -> None:
    p = params(direct={"interfaces": ["br-lan", "lan*"]}, kernel={"persist": True, "scan_time": 20},
               device={"scan_time": 5})
    v2 = render(p, "2")
    assert 'protocol direct {\n  ipv6;\n  interface "br-lan", "lan*";\n}' in v2
    assert "persist yes;\n  scan time 20;" in v2
    assert "protocol device {\n  scan time 5;\n}" in v2
    v16 = render(p, "1.6")
    assert 'protocol direct {\n  interface "br-lan", "lan*";\n}' in v16
    assert "protocol kernel" not in render(params(kernel={"enabled": False}), "2")


@pytest.mark.parametrize("version, profile, kernel, scan", [
    ("3", "fast", None, 1),
    ("3", "fast", {"scan_time": 7}, 7),
    ("3", "stable", None, 10),
    ("3", None, {"persist": True}, 10),
    ("2", "fast", None, 10),
    ("1.6", "stable", None, 10),
])
def test_kernel_scan_time_is_one_second_for_bird3_fast_unless_set(
        version: str, profile: str | None, kernel: dict[str, Any] | None, scan: int) -> None:
    text = render(params(profile=profile, kernel=kernel), version)
    kernel_block = text[text.index("protocol kernel {"):]
    assert f"  scan time {scan};\n" in kernel_block.split("}", maxsplit=1)[0]


@pytest.mark.parametrize("iface, version, line", [
    ({"hello_interval": "655350 ms"}, "2", "    hello interval 655350 ms;"),
    ({"hello_interval": "655341 ms"}, "3", "    hello interval 655341 ms;"),
    ({"update_interval": "655350 ms"}, "3", "    update interval 655350 ms;"),
    ({"type": "tunnel"}, "2", "    type tunnel;"),
    ({"type": "tunnel"}, "3", "    type tunnel;"),
    ({"rxcost": 65534}, "2", "    rxcost 65534;"),
    ({"names": ["abcdefghijklmno"]}, "2", '  interface "abcdefghijklmno" {'),
    ({"names": ["abcdefghijklmno*"]}, "1.6", '  interface "abcdefghijklmno*" {'),
])
def test_values_bird_takes_are_written(iface: dict[str, Any], version: str, line: str) -> None:
    assert line in render(params(babel=babel(**iface)), version).splitlines()


@pytest.mark.parametrize("ripng", [{"update_time": 30, "timeout_time": 31}, {"timeout_time": 31},
                                   {"update_time": 179}])
def test_ripng_timeout_longer_than_update_is_written(ripng: dict[str, Any]) -> None:
    assert "protocol rip ng {" in render(params(ripng={"interfaces": [{"names": ["e"], **ripng}]}), "2")


def test_router_id_optional_on_bird2() -> None:
    assert "router id" not in render(params(router_id=None), "2")


@pytest.mark.parametrize("host, missing", [
    (["lo", "eth0", "eth1", "wlan0", "eth2", "br-lan"], []),
    (["lo", "eth0"], ["eth1", "wlan*", "eth2", "br-lan"]),
    ([], ["eth0", "eth1", "wlan*", "eth2", "br-lan"]),
    (["eth0", "eth1", "wlan5", "eth2", "br-lan"], []),
    (["eth0", "eth1", "xwlan0", "eth2", "br-lan"], ["wlan*"]),
])
def test_unmatched_patterns(host: list[str], missing: list[str]) -> None:
    assert unmatched_patterns(config_request(full(None)), host) == missing


# ---------------------------------------------------------------------------------------------- errors

@pytest.mark.parametrize("p, version, message", [
    (params(profile="fast"), "1.6", r"hello interval '20 ms' is not whole seconds; BIRD 1\.6 .*need BIRD 2"),
    (params(babel=babel(hello_interval="500 ms")), "1.6", r"sub-second intervals need BIRD 2"),
    (params(babel=babel(limit=8)), "1.6", r"limit 8 needs BIRD 2"),
    (params(babel=babel(authentication="mac", password="x")), "1.6", r"authentication needs BIRD 2\.0\.9 or later"),
    (params(router_id=None), "1.6", r"router_id is required for BIRD 1\.6"),
    (params(router_id="fe80::1"), "2", r"router_id 'fe80::1' is not an IPv4-style id"),
    (params(babel=babel(type="ethernet")), "2", r"interface type 'ethernet' is unknown; use wired, wireless or tunnel"),
    (params(babel=babel(hello_interval="5 ms")), "2", r"hello interval '5 ms' is out of range; BIRD 2 accepts 10 ms"),
    (params(babel=babel(hello_interval="656 s")), "3", r"out of range; BIRD 3 accepts 10 ms to 655350 ms"),
    (params(babel=babel(hello_interval="655360 ms")), "2",
     r"'655360 ms' is out of range; BIRD 2 accepts 10 ms to 655350 ms"),
    (params(babel=babel(update_interval="655360 ms")), "3", r"'655360 ms' is out of range; BIRD 3 accepts"),
    (params(babel=babel(type="tunnel")), "1.6", r"type tunnel needs BIRD 2\.14 or later; BIRD 1\.6 knows wired"),
    (params(babel=babel(rxcost=65535)), "2", r"rxcost 65535 is Babel's infinite cost.* use 1 to 65534"),
    (params(babel=babel(rxcost=65535)), "1.6", r"rxcost 65535 is Babel's infinite cost"),
    (params(babel=babel(rxcost=65536)), "2", r"rxcost 65536 is out of range; BIRD accepts 1 to 65535"),
    (params(router_id="0.0.0.0"), "2", r"router_id 0\.0\.0\.0 is not a router id: .* non-zero"),
    (params(router_id="0.0.0.0"), "3", r"router_id 0\.0\.0\.0 is not a router id"),
    (params(router_id="0.0.0.0"), "1.6", r"router_id 0\.0\.0\.0 is not a router id"),
    (params(babel=babel(names=["abcdefghijklmnop"])), "2",
     r"interface name 'abcdefghijklmnop' has 16 characters; a Linux interface name has at most 15"),
    (params(babel=babel(names=["abcdefghijklmnop*"])), "3",
     r"interface pattern 'abcdefghijklmnop\*' matches only names of 16 or more characters"),
    (params(ripng={"interfaces": [{"names": ["abcdefghijklmnopq"]}]}, babel=None), "1.6",
     r"ripng\.interfaces\[0\]: interface name 'abcdefghijklmnopq' has 17 characters"),
    (params(direct={"interfaces": ["br-lan", "abcdefghijklmnop"]}), "2",
     r"direct\.interfaces: interface name 'abcdefghijklmnop' has 16 characters"),
    (params(ripng={"interfaces": [{"names": ["e"], "update_time": 30, "timeout_time": 5}]}), "2",
     r"timeout time 5 is not longer than update time 30"),
    (params(ripng={"interfaces": [{"names": ["e"], "update_time": 10, "timeout_time": 10}]}), "1.6",
     r"timeout time 10 is not longer than update time 10"),
    (params(ripng={"interfaces": [{"names": ["e"], "timeout_time": 20}]}), "2",
     r"timeout time 20 is not longer than update time 30 \(BIRD's default where unset\)"),
    (params(ripng={"interfaces": [{"names": ["e"], "update_time": 200}]}), "3",
     r"timeout time 180 is not longer than update time 200"),
    (params(babel=babel(hello_interval=656)), "1.6", r"out of range; BIRD 1\.6 accepts 1 to 655 seconds"),
    (params(babel=babel(update_interval="soon")), "2", r"update interval 'soon' is not a duration"),
    (params(babel=babel(rxcost=0)), "2", r"rxcost 0 is out of range; BIRD accepts 1 to 65535"),
    (params(babel=babel(rxcost="many")), "2", r"rxcost 'many' is not a whole number"),
    (params(babel=babel(limit=17)), "2", r"limit 17 is out of range; BIRD accepts 1 to 16"),
    (params(babel=babel(authentication="mac")), "2", r"authentication mac needs a password"),
    (params(babel=babel(password="x")), "2", r"a password is set but authentication is none"),
    (params(babel=babel(authentication="md5")), "2", r"authentication 'md5' is unknown"),
    (params(babel=babel(authentication="mac", password='a"b')), "2", r"password is empty or contains a quote"),
    (params(babel={"interfaces": [{"names": ['eth0"; }']}]}), "2", r"interface pattern .* contains a quote"),
    (params(babel={"interfaces": [{"names": []}]}), "2", r"babel\.interfaces\[0\]: 'names' is empty"),
    (params(babel=None), "2", r"neither babel nor ripng lists any interfaces"),
    (params(profile="turbo"), "2", r"profile 'turbo' is unknown"),
    (params(), "4", r"BIRD version '4' is not one of 1\.6, 2, 3"),
    (params(ripng={"interfaces": [{"names": ["e"], "update_time": 0}]}), "2", r"update time \(whole seconds\) 0"),
    (params(device={"scan_time": 0}), "2", r"device\.scan_time 0 is out of range"),
])
def test_bad_input_is_rejected_with_a_clear_message(p: dict[str, Any], version: str, message: str) -> None:
    with pytest.raises(BirdConfigError, match=message):
        render(p, version)


# --------------------------------------------------------------------------------- real BIRD parsers

def bird_parse(binary: str | Path, text: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    conf = tmp_path / "bird.conf"
    conf.write_text(text)
    return subprocess.run([str(binary), "-p", "-c", str(conf)], capture_output=True, text=True, timeout=30,
                          check=False)


needs_bird2 = pytest.mark.skipif(BIRD2 is None, reason="bird (BIRD 2) is absent: apt-get install bird2")


def before_2_14(release: str) -> bool:
    return tuple(int(part) for part in release.split(".")[:2]) < (2, 14)


needs_bird6 = pytest.mark.skipif(not BIRD6.exists(),
                                 reason=f"{BIRD6} is absent: run scripts/fetch_bird16.sh {BIRD16_DIR}")


@needs_bird2
@pytest.mark.parametrize("profile", [None, *PROFILES])
def test_bird2_parses_every_profile(profile: str | None, tmp_path: Path) -> None:
    text = render(full(profile), "2")
    result = bird_parse(BIRD2 or "bird", text, tmp_path)
    assert result.returncode == 0, result.stderr + text


@needs_bird2
def test_bird2_parses_authentication_and_options(tmp_path: Path) -> None:
    p = params(babel={"interfaces": [{"names": ["eth0"], "type": "wired", "hello_interval": "10 ms",
                                      "update_interval": "655350 ms", "rxcost": 65534, "limit": 16,
                                      "check_link": False, "authentication": "mac", "password": "s3cret"}]},
               router_id=None, kernel={"persist": True})
    result = bird_parse(BIRD2 or "bird", render(p, "2"), tmp_path)
    assert result.returncode == 0, result.stderr


@needs_bird2
def test_bird2_rejects_what_the_renderer_rejects(tmp_path: Path) -> None:
    """The range the renderer enforces is BIRD's: one step past it, bird itself fails."""
    text = render(params(babel=babel(hello_interval="10 ms")), "2").replace("10 ms", "9 ms")
    result = bird_parse(BIRD2 or "bird", text, tmp_path)
    assert result.returncode != 0 and "Hello interval must be in range 10 ms - 655 s" in result.stderr


@needs_bird6
@pytest.mark.parametrize("profile", [None, "seed", "stable"])
def test_bird6_parses_profiles(profile: str | None, tmp_path: Path) -> None:
    text = render(full(profile), "1.6")
    result = bird_parse(BIRD6, text, tmp_path)
    assert result.returncode == 0, result.stderr + text


@needs_bird6
def test_bird6_parses_short_ripng_timers_and_whole_second_babel(tmp_path: Path) -> None:
    p = full(None)
    p["babel"] = babel(type="wired", hello_interval="1 s", update_interval=4, rxcost=96, check_link=True)
    p["ripng"]["interfaces"][0].update(update_time=1, timeout_time=3, garbage_time=6)
    text = render(p, "1.6")
    assert "hello interval 1;\n    update interval 4;" in text
    result = bird_parse(BIRD6, text, tmp_path)
    assert result.returncode == 0, result.stderr + text


@needs_bird6
def test_bird6_rejects_what_the_renderer_refuses(tmp_path: Path) -> None:
    """bird6 itself has no Babel 'limit' and needs a router id: the renderer's refusals are real."""
    text = render(params(), "1.6")
    result = bird_parse(BIRD6, text.replace('interface "eth0" {', 'interface "eth0" {\n    limit 8;'), tmp_path)
    assert result.returncode != 0 and "syntax error" in result.stderr
    result = bird_parse(BIRD6, text.replace("router id 10.0.0.1;", ""), tmp_path)
    assert result.returncode != 0 and "Router ID must be configured manually" in result.stderr


# Debian 13's BIRD 2.17.6 and BIRD 3.1.8, run with chroot by the wrappers of scripts/fetch_bird_trixie.sh.

def needs_trixie(version: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(not TRIXIE[version].exists(),
                              reason=f"{TRIXIE[version]} is absent: run scripts/fetch_bird_trixie.sh {BIRD_TRIXIE_DIR}")


def trixie_params() -> list[Any]:
    return [pytest.param(version, marks=needs_trixie(version), id=f"bird{version}-trixie") for version in TRIXIE]


@pytest.mark.parametrize("version", trixie_params())
def test_trixie_binaries_are_the_expected_releases(version: str) -> None:
    result = subprocess.run([str(TRIXIE[version]), "--version"], capture_output=True, text=True, timeout=30,
                            check=False)
    release = {"2": "2.17.6", "3": "3.1.8"}[version]
    assert result.stdout + result.stderr == VERSION_OUTPUT[release]
    assert parse_bird_version(result.stderr) == version


@pytest.mark.parametrize("profile", [None, *PROFILES])
@pytest.mark.parametrize("version", trixie_params())
def test_trixie_bird_parses_every_profile(version: str, profile: str | None, tmp_path: Path) -> None:
    text = render(full(profile), version)
    result = bird_parse(TRIXIE[version], text, tmp_path)
    assert result.returncode == 0, result.stderr + text


@pytest.mark.parametrize("version", trixie_params())
def test_trixie_bird_parses_authentication_and_options(version: str, tmp_path: Path) -> None:
    p = params(babel={"interfaces": [{"names": ["eth0"], "type": "wired", "hello_interval": "10 ms",
                                      "update_interval": "655350 ms", "rxcost": 65534, "limit": 16,
                                      "check_link": False, "authentication": "mac", "password": "s3cret"}]},
               router_id=None, kernel={"persist": True})
    result = bird_parse(TRIXIE[version], render(p, version), tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("version", trixie_params())
def test_trixie_bird_rejects_what_the_renderer_rejects(version: str, tmp_path: Path) -> None:
    # BIRD 3.1 puts a time stamp and <FATAL> before the position: "bird: 2026-12-04 17:13:40.008 [0001] <FATAL>".
    text = render(params(babel=babel(hello_interval="10 ms")), version).replace("10 ms", "9 ms")
    result = bird_parse(TRIXIE[version], text, tmp_path)
    assert result.returncode != 0 and "Hello interval must be in range 10 ms - 655 s" in result.stderr


@pytest.mark.parametrize("version", trixie_params())
def test_trixie_bird_crashes_on_a_4096_character_string(version: str, tmp_path: Path) -> None:
    """4095 characters parse; 4096 abort BIRD 2.17 and crash BIRD 3.1 (2.0.12 and 1.6.8 abort as well)."""
    def auth(length: int) -> str:
        p = params(babel=babel(authentication="mac", password="x" * length))
        return render(p, version)
    assert bird_parse(TRIXIE[version], auth(4095), tmp_path).returncode == 0
    result = bird_parse(TRIXIE[version], auth(4096), tmp_path)
    assert result.returncode != 0


# The limits the renderer draws, against every real parser: each BIRD binary by the version it renders for.

def every_bird() -> list[Any]:
    return [pytest.param(BIRD2 or "bird", "2", HOST_BIRD_RELEASE or "2", marks=needs_bird2,
                         id=f"bird{HOST_BIRD_RELEASE or '2'}-host"),
            *[pytest.param(TRIXIE[version], version, release, marks=needs_trixie(version), id=f"bird{release}")
              for version, release in (("2", "2.17.6"), ("3", "3.1.8"))]]


@pytest.mark.parametrize("binary, version, release", every_bird())
def test_hello_interval_limit_is_birds(binary: str, version: str, release: str, tmp_path: Path) -> None:
    """655350 ms is taken by every BIRD 2 and 3 (so the renderer writes it); 655360 ms is refused by all."""
    for key in ("hello_interval", "update_interval"):
        text = render(params(babel=babel(**{key: "655350 ms"})), version)
        assert bird_parse(binary, text, tmp_path).returncode == 0, text
        result = bird_parse(binary, text.replace("655350 ms", "655360 ms"), tmp_path)
        assert result.returncode != 0 and "interval must be in range 10 ms - 655 s" in result.stderr


@pytest.mark.parametrize("binary, version, release", every_bird())
def test_type_tunnel_is_taken_from_bird_2_14(binary: str, version: str, release: str, tmp_path: Path) -> None:
    """BIRD 2.17 and 3.1 parse 'type tunnel'; 2.0.12 refuses it, and check_binary says so before it runs."""
    p = params(babel=babel(type="tunnel"))
    result = bird_parse(binary, render(p, version), tmp_path)
    if before_2_14(release):
        assert result.returncode != 0 and "expecting WIRED or WIRELESS" in result.stderr
        with pytest.raises(BirdConfigError, match="type tunnel needs BIRD 2.14 or later"):
            check_binary(config_request(p), version, str(binary), VERSION_OUTPUT[release])
    else:
        assert result.returncode == 0, result.stderr
        check_binary(config_request(p), version, str(binary), VERSION_OUTPUT[release])


@needs_bird6
def test_bird6_has_no_tunnel_type(tmp_path: Path) -> None:
    text = render(params(babel=babel(type="wired")), "1.6").replace("type wired;", "type tunnel;")
    result = bird_parse(BIRD6, text, tmp_path)
    assert result.returncode != 0 and "syntax error" in result.stderr


@pytest.mark.parametrize("binary, version, release", [
    pytest.param(BIRD6, "1.6", "1.6.8", marks=needs_bird6, id="bird1.6.8"), *every_bird()])
def test_bird_takes_what_the_renderer_refuses(binary: str, version: str, release: str, tmp_path: Path) -> None:
    """rxcost 65535 (Babel's infinity), a 16-character interface name and a RIPng timeout shorter than the update
    time all parse: only the renderer stands between them and a router that misbehaves. (Router id 0.0.0.0
    parses on BIRD 2 and 3 too; bird6 refuses it itself.)"""
    ripng = {"interfaces": [{"names": ["eth1"], "update_time": 30, "timeout_time": 60}]}
    text = render(params(ripng=ripng), version)
    text = text.replace('interface "eth0" {', 'interface "abcdefghijklmnop" {\n    rxcost 65535;')
    text = text.replace("timeout time 60;", "timeout time 5;")
    assert "rxcost 65535;" in text and "timeout time 5;" in text
    result = bird_parse(binary, text, tmp_path)
    assert result.returncode == 0, result.stderr + text
    if version != "1.6":
        result = bird_parse(binary, text.replace("router id 10.0.0.1;", "router id 0.0.0.0;"), tmp_path)
        assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------------------------------------- edges
def test_tunnel_is_taken_from_bird_2_14_0_exactly() -> None:
    check_binary(config_request(TUNNEL), "2", "/usr/sbin/bird", "BIRD version 2.14.0\n")
    with pytest.raises(BirdConfigError, match=r"type tunnel needs BIRD 2\.14"):
        check_binary(config_request(TUNNEL), "2", "/usr/sbin/bird", "BIRD version 2.13.9\n")


@pytest.mark.parametrize("found, message", [
    ([], r"found no BIRD with Babel on the host \(neither bird nor bird6 is installed\); install BIRD or set "
         r"bird_version$"),
    ([("bird", "/usr/sbin/bird", VERSION_OUTPUT["1.6.8"])],
     r"found no BIRD with Babel on the host \(/usr/sbin/bird: BIRD 1\.6\); install BIRD"),
])
def test_auto_says_what_it_found_when_nothing_serves(found: list[tuple[str, str, str]], message: str) -> None:
    with pytest.raises(BirdConfigError, match=message):
        choose_version(iter(found))


@pytest.mark.parametrize("p, version, message", [
    # One step past each upper bound, and a number that is no decimal number.
    (params(babel=babel(hello_interval="655351 ms")), "2", r"'655351 ms' is out of range"),
    (params(babel=None, ripng={"interfaces": [{"names": ["eth0"], "timeout_time": 65536}]}), "2",
     r"timeout time \(whole seconds\) 65536 is out of range; BIRD accepts 1 to 65535"),
    (params(babel=babel(rxcost="1a")), "2", r"rxcost '1a' is not a whole number between 1 and 65535"),
])
def test_one_past_the_bounds_is_refused(p: dict[str, Any], version: str, message: str) -> None:
    with pytest.raises(BirdConfigError, match=message):
        render(p, version)


def test_the_upper_bounds_are_taken() -> None:
    text = render(params(babel=None, ripng={"interfaces": [{"names": ["eth0"], "timeout_time": 65535}]}), "2")
    assert "timeout time 65535;" in text


def test_requests_are_frozen_and_hide_the_password() -> None:
    iface = BabelInterface(names=("eth0",), authentication="mac", password="s3cret-pw")
    request = ConfigRequest(babel=(iface,), router_id="10.0.0.1")
    assert "s3cret-pw" not in repr(iface) and "s3cret-pw" not in repr(request)
    for item, name in ((iface, "password"), (RipngInterface(names=("eth0",)), "bfd"), (request, "profile")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(item, name, None)


def test_a_request_without_kernel_settings_exports_to_the_kernel_without_persist() -> None:
    text = render_config(ConfigRequest(babel=(BabelInterface(names=("eth0",)),), router_id="10.0.0.1"), "2")
    kernel = text.split("protocol kernel {", 1)[1].split("\n}", 1)[0]
    assert "persist no;" in kernel and "export where source != RTS_DEVICE;" in kernel
