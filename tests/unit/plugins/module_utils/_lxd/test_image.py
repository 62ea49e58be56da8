# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd.image import (
    SOURCE_CREATED_KEY,
    SOURCE_KEY,
    ImageError,
    ImageRequest,
    RemoteSource,
    SourceFacts,
    _multipart,
    alias_map,
    alias_problem,
    apply_image,
    build_request,
    identity_matches,
    parse_remote,
    plan_aliases,
    plan_image,
    plan_removal,
    probe_server,
    publish_identity,
    remote_matches,
    tarball_fingerprint,
)
from ansible_collections.palmfarm.ipv6.tests.unit.plugins.fake_lxd import FakeLxd

FP_A = "a" * 64
FP_B = "b" * 64
FP_C = "c" * 64
CREATED = "2026-11-28T02:50:32.891852438Z"


def image(fingerprint: str, aliases: list[str] | None = None, properties: dict[str, str] | None = None,
          **extra: Any) -> dict[str, Any]:
    """An image as LXD returns it."""
    return {"fingerprint": fingerprint, "aliases": [{"name": a, "description": ""} for a in aliases or []],
            "properties": properties or {}, "public": False, "auto_update": False, "size": 1000,
            "created_at": "2026-11-28T00:00:00Z", "architecture": "x86_64", "expires_at": "1970-01-01T00:00:00Z",
            "profiles": ["default"], **extra}


def request(**params: Any) -> ImageRequest:
    params.setdefault("aliases", ["web"])
    return build_request(**params)


SNAP_IDENTITY = {SOURCE_KEY: "c1/s1", SOURCE_CREATED_KEY: CREATED}


# --- checking the request ---------------------------------------------------------------------------------


@pytest.mark.parametrize("alias, problem", [
    ("web_image", None),
    ("palmfarm-tiny", None),
    ("", "empty"),
    ("a/b", "contains '/'"),
    ("a b", "white space"),
    ("a\tb", "white space"),
    ("a:b", "contains ':'"),
    (None, "empty or not a string"),
])
def test_alias_problem(alias: Any, problem: str | None) -> None:
    found = alias_problem(alias)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


@pytest.mark.parametrize("text, server, protocol, alias", [
    ("images:alpine/3.20", "https://images.linuxcontainers.org", "simplestreams", "alpine/3.20"),
    ("ubuntu:22.04", "https://cloud-images.ubuntu.com/releases", "simplestreams", "22.04"),
    ("ubuntu-daily:noble", "https://cloud-images.ubuntu.com/daily", "simplestreams", "noble"),
])
def test_parse_remote(text: str, server: str, protocol: str, alias: str) -> None:
    remote = parse_remote(text)
    assert (remote.server, remote.protocol, remote.alias) == (server, protocol, alias)
    assert remote.label == text


@pytest.mark.parametrize("text, message", [
    ("alpine", "is not REMOTE:ALIAS"),
    ("images:", "is not REMOTE:ALIAS"),
    (":alpine", "is not REMOTE:ALIAS"),
    ("https://images.linuxcontainers.org", "is not REMOTE:ALIAS"),
    ("nosuch:alpine/3.20", "remote 'nosuch'"),
])
def test_parse_remote_rejects(text: str, message: str) -> None:
    with pytest.raises(ImageError) as info:
        parse_remote(text)
    assert message in str(info.value)
    assert "images (https://images.linuxcontainers.org)" in str(info.value)


def test_build_request_normalises(tmp_path: Path) -> None:
    meta = tmp_path / "m.tar.gz"
    meta.write_bytes(b"m")
    req = request(aliases=["web", "web2", "web"], metadata_tarball=str(meta), description="d",
                  properties={"n": 2, "flag": True})
    assert req.aliases == ("web", "web2")
    assert req.properties == {"n": "2", "flag": "true", "description": "d"}
    assert req.source_kind == "tarball"
    server = request(server="https://img.example.net/", remote_alias="debian/12")
    assert server.remote == RemoteSource("https://img.example.net", "simplestreams", "debian/12")
    assert request(instance="c1", snapshot="s").publish_source == "c1/s"
    assert request(instance="c1").publish_source == "c1"


@pytest.mark.parametrize("params, message", [
    ({"aliases": []}, "aliases is empty"),
    ({"aliases": ["ok", "a/b"]}, "'a/b' contains '/'"),
    ({"instance": "bad_name"}, "instance:"),
    ({"instance": "c1", "snapshot": "c1/s"}, "not a snapshot name"),
    ({"metadata_tarball": "/nonexistent/m.tar.gz"}, "metadata_tarball /nonexistent/m.tar.gz does not exist"),
    ({"remote": "nosuch:x"}, "remote 'nosuch'"),
    ({"server": "images.example.net", "remote_alias": "x"}, "is not an http(s) URL"),
    ({"server": "https://images.example.net"}, "server needs remote_alias"),
    ({"instance": "c1", "properties": {SOURCE_KEY: "x"}}, "set by this module"),
    ({"instance": "c1", "properties": {"k": ["a"]}}, "properties.k is a list"),
])
def test_build_request_rejects(params: dict[str, Any], message: str) -> None:
    params.setdefault("aliases", ["web"])
    with pytest.raises(ImageError) as info:
        build_request(**params)
    assert message in str(info.value)


def test_missing_tarball_is_fine_when_absent() -> None:
    req = request(metadata_tarball="/nonexistent/m.tar.gz", state="absent")
    assert req.state == "absent"


# --- sources and identities -------------------------------------------------------------------------------


def test_tarball_fingerprint(tmp_path: Path) -> None:
    meta, rootfs = tmp_path / "meta.tar.gz", tmp_path / "rootfs.tar.gz"
    meta.write_bytes(b"metadata" * 1000)
    rootfs.write_bytes(b"rootfs" * 300000)
    both = meta.read_bytes() + rootfs.read_bytes()
    assert tarball_fingerprint(str(meta), str(rootfs)) == hashlib.sha256(both).hexdigest()
    assert tarball_fingerprint(str(meta)) == hashlib.sha256(meta.read_bytes()).hexdigest()
    assert tarball_fingerprint(str(rootfs), str(meta)) != tarball_fingerprint(str(meta), str(rootfs))


@pytest.mark.parametrize("instance, snapshot, created, expected", [
    ("c1", "s1", CREATED, SNAP_IDENTITY),
    ("c1", "s1", None, {SOURCE_KEY: "c1/s1"}),
    ("c1", None, None, {SOURCE_KEY: "c1"}),
])
def test_publish_identity(instance: str, snapshot: str | None, created: str | None,
                          expected: dict[str, str]) -> None:
    assert publish_identity(instance, snapshot, created) == expected


@pytest.mark.parametrize("properties, identity, matches", [
    ({**SNAP_IDENTITY, "os": "busybox"}, SNAP_IDENTITY, True),
    ({SOURCE_KEY: "c1/s1", SOURCE_CREATED_KEY: "2026-01-01T00:00:00Z"}, SNAP_IDENTITY, False),  # re-taken
    ({SOURCE_KEY: "c2/s1", SOURCE_CREATED_KEY: CREATED}, SNAP_IDENTITY, False),
    ({"os": "busybox"}, SNAP_IDENTITY, False),  # published by hand: no record
    (SNAP_IDENTITY, {SOURCE_KEY: "c1/s1"}, False),  # the snapshot is still to be taken
    ({SOURCE_KEY: "c1"}, {SOURCE_KEY: "c1"}, True),
    (SNAP_IDENTITY, {SOURCE_KEY: "c1"}, False),
    ({SOURCE_KEY: "c1"}, None, False),
])
def test_identity_matches(properties: dict[str, str], identity: dict[str, str] | None, matches: bool) -> None:
    assert identity_matches(image(FP_A, ["web"], properties), identity) is matches


@pytest.mark.parametrize("source, matches", [
    ({"server": "https://images.linuxcontainers.org", "alias": "alpine/3.20", "protocol": "simplestreams"}, True),
    ({"server": "https://images.linuxcontainers.org/", "alias": "alpine/3.20", "protocol": "simplestreams"}, True),
    ({"server": "https://images.linuxcontainers.org", "alias": "alpine/3.19", "protocol": "simplestreams"}, False),
    ({"server": "https://other.example.net", "alias": "alpine/3.20", "protocol": "simplestreams"}, False),
    (None, False),
])
def test_remote_matches(source: dict[str, str] | None, matches: bool) -> None:
    assert remote_matches(image(FP_A, ["alpine"], update_source=source), parse_remote("images:alpine/3.20")) is matches


# --- planning -----------------------------------------------------------------------------------------------


def by_fp(*images: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["fingerprint"]: i for i in images}


@pytest.mark.parametrize("wanted, target, images, add, move, remove, delete", [
    # nothing to do
    (["web"], FP_A, [image(FP_A, ["web"])], [], {}, [], []),
    # a new image: every alias is added, or moved from its image, which is deleted when left without one
    (["web", "new"], None, [image(FP_A, ["web"])], ["new"], {"web": FP_A}, [], [FP_A]),
    # the old image keeps another alias and stays
    (["web"], FP_B, [image(FP_A, ["web", "keep"]), image(FP_B)], [], {"web": FP_A}, [], []),
    # an alias of the target that is not wanted goes
    (["web"], FP_A, [image(FP_A, ["web", "old"])], [], {}, ["old"], []),
    # aliases from two images onto a third
    (["x", "y"], FP_C, [image(FP_A, ["x"]), image(FP_B, ["y", "z"]), image(FP_C)], [], {"x": FP_A, "y": FP_B},
     [], [FP_A]),
])
def test_plan_aliases(wanted: list[str], target: str | None, images: list[dict[str, Any]], add: list[str],
                      move: dict[str, str], remove: list[str], delete: list[str]) -> None:
    plan = plan_aliases(wanted, target, alias_map(images), by_fp(*images))
    assert (plan.add, plan.move, plan.remove, plan.delete_images) == (add, move, remove, delete)
    assert plan.changed is bool(add or move or remove or delete)


def test_plan_removal() -> None:
    images = [image(FP_A, ["web", "web2"]), image(FP_B, ["inst", "keep"])]
    plan = plan_removal(["web", "web2", "inst", "missing"], alias_map(images), by_fp(*images))
    assert plan.remove == ["web", "web2", "inst"]
    assert plan.delete_images == [FP_A]


def test_plan_publish_same_snapshot_changes_nothing() -> None:
    req = request(instance="c1", snapshot="s1", create_snapshot=True)
    plan = plan_image(req, [image(FP_A, ["web"], dict(SNAP_IDENTITY))], SourceFacts(identity=dict(SNAP_IDENTITY)))
    assert plan.actions == [] and not plan.changed
    assert plan.before == plan.after
    assert plan.image["fingerprint"] == FP_A


def test_plan_publish_retaken_snapshot_moves_aliases_and_deletes_old_image() -> None:
    req = request(instance="c1", snapshot="s1")
    old = {SOURCE_KEY: "c1/s1", SOURCE_CREATED_KEY: "2026-01-01T00:00:00Z"}
    plan = plan_image(req, [image(FP_A, ["web"], old)], SourceFacts(identity=dict(SNAP_IDENTITY)))
    assert plan.actions == ["publish c1/s1", f"move alias web from {FP_A[:12]} to (new image)",
                            f"delete image {FP_A[:12]} (no alias left on it)"]
    assert plan.create == "publish" and plan.target is None
    assert plan.before["alias_targets"] == {"web": FP_A}
    assert plan.after["alias_targets"] == {"web": None}
    assert plan.after["properties"] == SNAP_IDENTITY


def test_plan_publish_refresh_publishes_again() -> None:
    req = request(instance="c1", snapshot="s1", refresh=True)
    plan = plan_image(req, [image(FP_A, ["web"], dict(SNAP_IDENTITY))], SourceFacts(identity=dict(SNAP_IDENTITY)))
    assert plan.actions[0] == "publish c1/s1"


def test_plan_publish_takes_the_missing_snapshot_first() -> None:
    req = request(instance="c1", snapshot="s1", create_snapshot=True)
    plan = plan_image(req, [], SourceFacts(identity={SOURCE_KEY: "c1/s1"}, snapshot_missing=True,
                                           instance_running=True))
    assert plan.actions == ["create snapshot c1/s1", "publish c1/s1", "add alias web to (new image)"]
    assert plan.create_snapshot


def test_plan_publish_refuses_a_running_instance() -> None:
    req = request(instance="c1")
    with pytest.raises(ImageError) as info:
        plan_image(req, [], SourceFacts(identity={SOURCE_KEY: "c1"}, instance_running=True))
    assert "'c1' is running" in str(info.value)
    assert "create_snapshot" in str(info.value)


def test_plan_publish_running_instance_already_published_is_fine() -> None:
    req = request(instance="c1")
    facts = SourceFacts(identity={SOURCE_KEY: "c1"}, instance_running=True)
    assert plan_image(req, [image(FP_A, ["web"], {SOURCE_KEY: "c1"})], facts).actions == []


def test_plan_publish_updates_properties_and_public() -> None:
    req = request(instance="c1", snapshot="s1", description="web", public=True)
    plan = plan_image(req, [image(FP_A, ["web"], dict(SNAP_IDENTITY))], SourceFacts(identity=dict(SNAP_IDENTITY)))
    assert plan.actions == [f"update image {FP_A[:12]}"]
    assert plan.settings["properties"] == {**SNAP_IDENTITY, "description": "web"}
    assert plan.settings["public"] is True
    assert plan.image["public"] is True


def test_plan_tarball_existing_image_only_gets_the_alias() -> None:
    req = ImageRequest(aliases=("tiny",), metadata_tarball="/m.tar.gz", rootfs_tarball="/r.tar.gz")
    images = [image(FP_A, ["tiny"]), image(FP_B)]
    plan = plan_image(req, images, SourceFacts(fingerprint=FP_B))
    assert plan.create is None and plan.target == FP_B
    assert plan.actions == [f"move alias tiny from {FP_A[:12]} to {FP_B[:12]}",
                            f"delete image {FP_A[:12]} (no alias left on it)"]
    same = plan_image(req, [image(FP_B, ["tiny"])], SourceFacts(fingerprint=FP_B))
    assert same.actions == []


def test_plan_tarball_new_image() -> None:
    req = ImageRequest(aliases=("tiny",), metadata_tarball="/x/unified.tar.gz")
    plan = plan_image(req, [], SourceFacts(fingerprint=FP_C))
    assert plan.actions == [f"import unified.tar.gz as {FP_C[:12]}", f"add alias tiny to {FP_C[:12]}"]
    assert plan.after["fingerprint"] == FP_C and plan.image["fingerprint"] == FP_C


def test_plan_remote() -> None:
    req = request(remote="images:alpine/3.20", auto_update=True)
    source = {"server": "https://images.linuxcontainers.org", "alias": "alpine/3.20", "protocol": "simplestreams"}
    copied = image(FP_A, ["web"], update_source=source, auto_update=True)
    assert plan_image(req, [copied], SourceFacts()).actions == []
    plan = plan_image(req, [image(FP_B, ["web"])], SourceFacts())
    assert plan.actions[0] == "copy images:alpine/3.20 from https://images.linuxcontainers.org"
    assert plan.create == "copy"


def test_plan_absent() -> None:
    req = request(aliases=["web"], state="absent")
    plan = plan_image(req, [image(FP_A, ["web"], {"os": "x"})], SourceFacts())
    assert plan.actions == [f"remove alias web from {FP_A[:12]}", f"delete image {FP_A[:12]} (no alias left on it)"]
    assert plan.before["fingerprint"] == FP_A and plan.after["fingerprint"] is None
    assert plan.image == {}
    assert plan_image(req, [image(FP_A, ["other"])], SourceFacts()).actions == []


# --- carrying out -----------------------------------------------------------------------------------------


def lxd(images: list[dict[str, Any]], **extra: Any) -> FakeLxd:
    answers = {"images": images, "instances": ["/1.0/instances/c1", "/1.0/instances/w1"],
               "instances/c1": {"name": "c1", "status": "Running"},
               "instances/c1/snapshots": ["/1.0/instances/c1/snapshots/s0"],
               "instances/c1/snapshots/s1": {"name": "s1", "created_at": CREATED}}
    answers.update({f"images/{i['fingerprint']}": i for i in images})
    answers.update(extra)
    return FakeLxd(answers=answers, published=FP_C)


def test_apply_nothing_to_do_writes_nothing() -> None:
    client = lxd([image(FP_A, ["web"], dict(SNAP_IDENTITY))])
    plan = apply_image(client, request(instance="c1", snapshot="s1"))  # type: ignore[arg-type]
    assert not plan.changed and client.writes == []


def test_apply_check_mode_writes_nothing() -> None:
    client = lxd([image(FP_A, ["web"])])
    plan = apply_image(client, request(instance="c1", snapshot="s1"), check_mode=True)  # type: ignore[arg-type]
    assert plan.changed and client.writes == []


def test_apply_publish_snapshot() -> None:
    client = lxd([image(FP_A, ["web"])], **{f"images/{FP_C}": image(FP_C, [], dict(SNAP_IDENTITY))})
    apply_image(client, request(instance="c1", snapshot="s1"))  # type: ignore[arg-type]
    publish = client.writes[0]
    assert publish[:2] == ("POST", "images")
    assert publish[2]["source"] == {"type": "snapshot", "name": "c1/s1"}
    assert publish[2]["properties"] == SNAP_IDENTITY
    assert client.sent()[1:] == [("PUT", "images/aliases/web", {"target": FP_C, "description": ""}),
                                 ("DELETE", f"images/{FP_A}", None)]


def test_apply_unknown_instance_lists_instances() -> None:
    with pytest.raises(ImageError) as info:
        apply_image(lxd([]), request(instance="c9"))  # type: ignore[arg-type]
    assert "instance 'c9' does not exist; existing instances: c1, w1" in str(info.value)


def test_apply_unknown_snapshot_lists_snapshots() -> None:
    with pytest.raises(ImageError) as info:
        apply_image(lxd([]), request(instance="c1", snapshot="nope"))  # type: ignore[arg-type]
    assert "no snapshot 'nope'; its snapshots: s0" in str(info.value)


def test_apply_absent_deletes_image_not_its_aliases() -> None:
    client = lxd([image(FP_A, ["web", "web2"]), image(FP_B, ["inst", "keep"])])
    apply_image(client, request(aliases=["web", "inst"], state="absent"))  # type: ignore[arg-type]
    assert client.sent() == [("DELETE", "images/aliases/web", None), ("DELETE", "images/aliases/inst", None)]
    client = lxd([image(FP_A, ["web"])])
    apply_image(client, request(aliases=["web"], state="absent"))  # type: ignore[arg-type]
    assert client.sent() == [("DELETE", f"images/{FP_A}", None)]


def test_multipart_body(tmp_path: Path) -> None:
    meta, rootfs = tmp_path / "metadata.tar.gz", tmp_path / "rootfs.tar.gz"
    meta.write_bytes(b"META")
    rootfs.write_bytes(b"ROOT")
    body = b"".join(_multipart("XX", [("metadata", str(meta)), ("rootfs", str(rootfs))]))
    assert body.startswith(b'--XX\r\nContent-Disposition: form-data; name="metadata"; filename="metadata.tar.gz"')
    assert b"\r\n\r\nMETA\r\n--XX\r\n" in body
    assert b'name="rootfs"; filename="rootfs.tar.gz"' in body
    assert body.endswith(b"\r\n\r\nROOT\r\n--XX--\r\n")


def test_probe_server_names_the_unreachable_url() -> None:
    # Nothing listens on port 1 of the loopback address: the connection is refused at once.
    with pytest.raises(ImageError) as info:
        probe_server(RemoteSource("https://127.0.0.1:1", "simplestreams", "alpine/3.20"), timeout=5)
    assert "image server https://127.0.0.1:1 (simplestreams) is unreachable" in str(info.value)


def test_apply_copy_probes_the_server_before_anything_changes() -> None:
    client = lxd([])
    with pytest.raises(ImageError):
        apply_image(client, request(server="https://127.0.0.1:1", remote_alias="x"))  # type: ignore[arg-type]
    assert client.writes == []


def test_listing_puts_the_closest_names_first() -> None:
    from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd.image import MAX_LISTED, _listing
    names = [f"bench-{i}" for i in range(60)] + ["itimg-c1"]
    text = _listing(sorted(names), "itimg-nosuch")
    assert text.startswith("itimg-c1, ")
    assert text.endswith(f" and {len(names) - MAX_LISTED} more")
    assert _listing([]) == "none"
