# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Managing one LXD image and its aliases: check the request, plan the change, then carry it out.

An image is found through its aliases. Whether the image they point at is the right one depends on
where it comes from:

- published from an instance or a snapshot: the image carries the source in its properties
  (``palmfarm.source: c1/snap`` and ``palmfarm.source_created_at``, the snapshot's creation time), so
  a re-taken snapshot (same name, new time) is published anew and an unchanged one is not;
- imported from tarballs: LXD's fingerprint is the sha256 of the metadata tarball followed by the
  rootfs tarball, which `tarball_fingerprint` computes without LXD;
- copied from an image server: LXD records the server and alias it came from (``update_source``).

Everything but `apply_image` and the small readers next to it is plain data in, plain data out.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import os
import socket
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterator, List, Mapping, Optional, Sequence, Tuple
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlencode, urlsplit

from ansible.module_utils.urls import ConnectionError as UrlConnectionError
from ansible.module_utils.urls import open_url

from .client import LxdClient, names_from_urls
from .connection import LxdError
from .names import instance_name_problem
from .stored_values import normalize_config

SOURCE_KEY = "palmfarm.source"
SOURCE_CREATED_KEY = "palmfarm.source_created_at"

# The image servers the lxc client knows by name.
KNOWN_REMOTES: dict[str, tuple[str, str]] = {
    "images": ("https://images.linuxcontainers.org", "simplestreams"),
    "ubuntu": ("https://cloud-images.ubuntu.com/releases", "simplestreams"),
    "ubuntu-daily": ("https://cloud-images.ubuntu.com/daily", "simplestreams"),
}
PROTOCOLS = ("simplestreams", "lxd")
MAX_LISTED = 20
CHUNK = 1024 * 1024


class ImageError(LxdError):
    """The request cannot be carried out; raised before anything is changed."""


# ---------------------------------------------------------------------------------------------------------
# Checking the request


def alias_problem(alias: Any) -> str | None:
    """None when ``alias`` is a usable image alias, else why not."""
    if not isinstance(alias, str) or not alias:
        return f"alias {alias!r} is empty or not a string"
    if any(char.isspace() for char in alias):
        return f"alias {alias!r} contains white space"
    for char in "/:":
        if char in alias:
            return f"alias {alias!r} contains {char!r}"
    return None


@dataclass(frozen=True)
class RemoteSource:
    """An image on an image server: where, how to talk to it, and which alias there."""

    server: str
    protocol: str
    alias: str
    remote: str | None = None

    @property
    def label(self) -> str:
        return f"{self.remote}:{self.alias}" if self.remote else f"{self.alias} on {self.server}"


def parse_remote(text: str) -> RemoteSource:
    """``images:alpine/3.20`` -> the image server and alias; raises ImageError naming the known remotes."""
    known = ", ".join(f"{name} ({url})" for name, (url, _protocol) in KNOWN_REMOTES.items())
    remote, sep, alias = str(text).partition(":")
    if not sep or not remote or not alias or alias.startswith("//"):
        raise ImageError(
            f"remote {text!r} is not REMOTE:ALIAS; write e.g. images:alpine/3.20 with one of the known remotes "
            f"{known}, or give server and remote_alias for another image server"
        )
    if remote not in KNOWN_REMOTES:
        raise ImageError(
            f"remote {remote!r} (in {text!r}) is not a known image server; known remotes: {known}; for another "
            f"server give server (its URL), remote_alias and protocol instead"
        )
    server, protocol = KNOWN_REMOTES[remote]
    return RemoteSource(server=server, protocol=protocol, alias=alias, remote=remote)


def server_problem(url: str) -> str | None:
    parts = urlsplit(str(url))
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return f"server {url!r} is not an http(s) URL; give e.g. https://images.example.net"
    return None


@dataclass(frozen=True)
class ImageRequest:
    """What the task asks for, checked and normalised."""

    aliases: tuple[str, ...]
    state: str = "present"
    instance: str | None = None
    snapshot: str | None = None
    create_snapshot: bool = False
    refresh: bool = False
    metadata_tarball: str | None = None
    rootfs_tarball: str | None = None
    remote: RemoteSource | None = None
    auto_update: bool | None = None
    public: bool | None = None
    properties: dict[str, str] = field(default_factory=dict)

    @property
    def source_kind(self) -> str | None:
        if self.instance:
            return "publish"
        if self.metadata_tarball:
            return "tarball"
        if self.remote:
            return "remote"
        return None

    @property
    def publish_source(self) -> str:
        return f"{self.instance}/{self.snapshot}" if self.snapshot else str(self.instance)


def _checked_aliases(aliases: Sequence[str] | None) -> tuple[str, ...]:
    """The aliases, each once, in the order given; ImageError for an empty list or an unusable alias."""
    if not aliases:
        raise ImageError("aliases is empty; give at least one alias, e.g. aliases: [web_image]")
    for alias in aliases:
        problem = alias_problem(alias)
        if problem:
            raise ImageError(f"aliases: {problem}; LXD image aliases are single words such as web_image or "
                             f"palmfarm-tiny")
    return tuple(dict.fromkeys(aliases))


def _check_publish_source(instance: str | None, snapshot: str | None) -> None:
    if instance is not None:
        problem = instance_name_problem(instance)
        if problem:
            raise ImageError(f"instance: {problem}")
    if snapshot is not None and (not snapshot or "/" in snapshot or any(c.isspace() for c in snapshot)):
        raise ImageError(f"snapshot {snapshot!r} is not a snapshot name; give the name alone (e.g. snapshot_web), "
                         f"without the instance and without slashes or white space")


def _check_tarballs(metadata: str | None, rootfs: str | None) -> None:
    for option, path in (("metadata_tarball", metadata), ("rootfs_tarball", rootfs)):
        if path is not None and not os.path.isfile(path):
            raise ImageError(f"{option} {path} does not exist or is not a file; build the tarball first or "
                             f"fix the path")


def remote_source(remote: str | None, server: str | None, remote_alias: str | None,
                  protocol: str | None) -> RemoteSource | None:
    """The image server asked for: ``remote`` (REMOTE:ALIAS), else ``server`` with ``remote_alias``; None for none."""
    if remote:
        return parse_remote(remote)
    if not server:
        return None
    problem = server_problem(server)
    if problem:
        raise ImageError(problem)
    if not remote_alias:
        raise ImageError("server needs remote_alias, the alias of the image on that server (e.g. alpine/3.20)")
    return RemoteSource(server=str(server).rstrip("/"), protocol=protocol or "simplestreams", alias=str(remote_alias))


def image_properties(properties: Mapping[str, Any] | None, description: str | None) -> dict[str, str]:
    """The properties asked for, as LXD stores them (strings), with the description among them."""
    result = normalize_config(properties or {}, "properties", ImageError) or {}
    for key in (SOURCE_KEY, SOURCE_CREATED_KEY):
        if key in result:
            raise ImageError(f"properties.{key} is set by this module to record where the image comes from; "
                             f"leave it out")
    if description is not None:
        result["description"] = str(description)
    return result


def build_request(*, aliases: Sequence[str] | None, state: str | None = "present", instance: str | None = None,
                  snapshot: str | None = None, create_snapshot: bool | None = False, refresh: bool | None = False,
                  metadata_tarball: str | None = None, rootfs_tarball: str | None = None, remote: str | None = None,
                  server: str | None = None, remote_alias: str | None = None, protocol: str | None = None,
                  auto_update: bool | None = None, public: bool | None = None,
                  properties: Mapping[str, Any] | None = None, description: str | None = None) -> ImageRequest:
    """The request for these options (the module's, by name), checked and normalised, or ImageError naming the
    value. Nothing touches LXD here."""
    unique = _checked_aliases(aliases)
    state = state or "present"
    _check_publish_source(instance, snapshot)
    if state == "present":
        _check_tarballs(metadata_tarball, rootfs_tarball)
    return ImageRequest(
        aliases=unique,
        state=state,
        instance=instance,
        snapshot=snapshot,
        create_snapshot=bool(create_snapshot),
        refresh=bool(refresh),
        metadata_tarball=metadata_tarball,
        rootfs_tarball=rootfs_tarball,
        remote=remote_source(remote, server, remote_alias, protocol),
        auto_update=auto_update,
        public=public,
        properties=image_properties(properties, description),
    )


# ---------------------------------------------------------------------------------------------------------
# Sources and identities


def tarball_fingerprint(metadata_path: str, rootfs_path: str | None = None) -> str:
    """The fingerprint LXD gives these tarballs: sha256 over the metadata tarball, then the rootfs tarball."""
    digest = hashlib.sha256()
    for path in (metadata_path, rootfs_path):
        if path is None:
            continue
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                digest.update(chunk)
    return digest.hexdigest()


def publish_identity(instance: str, snapshot: str | None, created_at: str | None) -> dict[str, str]:
    """The properties recording which instance or snapshot an image was published from."""
    identity = {SOURCE_KEY: f"{instance}/{snapshot}" if snapshot else instance}
    if snapshot and created_at:
        identity[SOURCE_CREATED_KEY] = created_at
    return identity


def identity_matches(image: Mapping[str, Any] | None, identity: Mapping[str, str] | None) -> bool:
    """Whether ``image`` was published from the source ``identity`` describes.

    An identity without a creation time (the snapshot is still to be taken) matches nothing; an image
    without the record (published by hand) matches nothing either.
    """
    if not image or not identity:
        return False
    if "/" in identity.get(SOURCE_KEY, "") and SOURCE_CREATED_KEY not in identity:
        return False
    properties = image.get("properties") or {}
    return (properties.get(SOURCE_KEY) == identity.get(SOURCE_KEY)
            and properties.get(SOURCE_CREATED_KEY) == identity.get(SOURCE_CREATED_KEY))


def remote_matches(image: Mapping[str, Any] | None, remote: RemoteSource) -> bool:
    """Whether ``image`` was copied from ``remote`` (LXD keeps the server and alias in update_source)."""
    if not image:
        return False
    source = image.get("update_source") or {}
    return (str(source.get("server", "")).rstrip("/") == remote.server.rstrip("/")
            and source.get("alias") == remote.alias
            and (source.get("protocol") or "simplestreams") == remote.protocol)


def short(fingerprint: str | None) -> str:
    return fingerprint[:12] if fingerprint else "(new image)"


def alias_names(image: Mapping[str, Any] | None) -> list[str]:
    return sorted(str(a.get("name")) for a in (image or {}).get("aliases") or [])


def alias_map(images: list[Mapping[str, Any]]) -> dict[str, str]:
    """alias -> fingerprint of the image it points at, from ``GET images?recursion=1``."""
    result: dict[str, str] = {}
    for image in images:
        for alias in image.get("aliases") or []:
            result[str(alias.get("name"))] = str(image.get("fingerprint"))
    return result


# ---------------------------------------------------------------------------------------------------------
# Planning


@dataclass
class AliasPlan:
    add: list[str] = field(default_factory=list)
    move: dict[str, str] = field(default_factory=dict)  # alias -> fingerprint it leaves
    remove: list[str] = field(default_factory=list)
    delete_images: list[str] = field(default_factory=list)  # fingerprints left without any alias

    @property
    def changed(self) -> bool:
        return bool(self.add or self.move or self.remove or self.delete_images)


def plan_aliases(wanted: tuple[str, ...] | list[str], target: str | None, aliases_now: Mapping[str, str],
                 images: Mapping[str, Mapping[str, Any]]) -> AliasPlan:
    """Make ``wanted`` exactly the aliases of image ``target`` (None: an image still to be made).

    An alias on another image is moved; an alias of ``target`` not wanted is removed. An image that
    loses every alias it had to the move is deleted.
    """
    plan = AliasPlan()
    for alias in wanted:
        now = aliases_now.get(alias)
        if now is None:
            plan.add.append(alias)
        elif now != target:
            plan.move[alias] = now
    if target is not None and target in images:
        plan.remove = [alias for alias in alias_names(images[target]) if alias not in wanted]
    losers = sorted(set(plan.move.values()))
    for fingerprint in losers:
        left = [a for a in alias_names(images.get(fingerprint)) if a not in plan.move]
        if not left:
            plan.delete_images.append(fingerprint)
    return plan


def plan_removal(wanted: tuple[str, ...] | list[str], aliases_now: Mapping[str, str],
                 images: Mapping[str, Mapping[str, Any]]) -> AliasPlan:
    """state=absent: drop the aliases; delete each image that is left without any."""
    plan = AliasPlan()
    plan.remove = [alias for alias in wanted if alias in aliases_now]
    for fingerprint in sorted({aliases_now[alias] for alias in plan.remove}):
        left = [a for a in alias_names(images.get(fingerprint)) if a not in plan.remove]
        if not left:
            plan.delete_images.append(fingerprint)
    return plan


def image_summary(image: Mapping[str, Any] | None) -> dict[str, Any]:
    """The image as this module returns it; {} for no image."""
    if not image:
        return {}
    summary = {key: image.get(key) for key in ("fingerprint", "size", "created_at", "architecture")}
    summary.update(aliases=alias_names(image), properties=dict(image.get("properties") or {}),
                   public=bool(image.get("public")), auto_update=bool(image.get("auto_update")))
    return summary


def diff_side(fingerprint: str | None, aliases: list[str], properties: Mapping[str, str],
              targets: Mapping[str, str | None]) -> dict[str, Any]:
    return {"fingerprint": fingerprint, "aliases": sorted(aliases), "properties": dict(properties),
            "alias_targets": dict(targets)}


@dataclass
class ImagePlan:
    """What has to happen and how the image looks before and after."""

    actions: list[str]
    target: str | None  # fingerprint of the image the aliases end on; None while it is still to be made
    create: str | None  # "publish", "import", "copy" or None
    create_snapshot: bool
    aliases: AliasPlan
    settings: dict[str, Any]  # properties/public/auto_update to PUT on an existing image, {} for none
    before: dict[str, Any]
    after: dict[str, Any]
    image: dict[str, Any]

    @property
    def changed(self) -> bool:
        return bool(self.actions)


def desired_settings(request: ImageRequest, image: Mapping[str, Any] | None,
                     identity: Mapping[str, str] | None) -> dict[str, Any]:
    """properties, public and auto_update the image should have (properties merged onto what it has)."""
    base = image or {}
    properties = dict(base.get("properties") or {})
    properties.update(request.properties)
    properties.update(identity or {})
    settings: dict[str, Any] = {"properties": properties, "public": bool(base.get("public"))}
    if request.public is not None:
        settings["public"] = request.public
    settings["auto_update"] = bool(base.get("auto_update"))
    if request.auto_update is not None:
        settings["auto_update"] = request.auto_update
    return settings


def _settings_differ(image: Mapping[str, Any], settings: Mapping[str, Any]) -> bool:
    return bool(dict(image.get("properties") or {}) != settings["properties"]
                or bool(image.get("public")) != settings["public"]
                or bool(image.get("auto_update")) != settings["auto_update"])


@dataclass
class SourceFacts:
    """What the module found out about the source before planning."""

    identity: dict[str, str] | None = None  # publish
    snapshot_missing: bool = False  # publish: create_snapshot has to take it first
    instance_running: bool = False  # publish without snapshot
    fingerprint: str | None = None  # tarballs


@dataclass(frozen=True)
class _Found:
    """The images LXD has, as the plan looks them up."""

    by_fp: dict[str, Mapping[str, Any]]
    now: dict[str, str]  # alias -> fingerprint of the image it points at
    candidates: list[str]  # the images the requested aliases point at, in the order of the aliases

    @property
    def first(self) -> Mapping[str, Any] | None:
        return self.by_fp.get(self.candidates[0]) if self.candidates else None


def _found(request: ImageRequest, images: list[Mapping[str, Any]]) -> _Found:
    now = alias_map(images)
    candidates: list[str] = []
    for alias in request.aliases:
        if alias in now and now[alias] not in candidates:
            candidates.append(now[alias])
    return _Found({str(image.get("fingerprint")): image for image in images}, now, candidates)


def _before(request: ImageRequest, found: _Found) -> dict[str, Any]:
    """The diff's before: the image the first alias points at, and where each alias points."""
    first = found.first
    return diff_side(found.candidates[0] if found.candidates else None, alias_names(first),
                     (first or {}).get("properties") or {}, {alias: found.now.get(alias) for alias in request.aliases})


def _plan_absent(request: ImageRequest, found: _Found) -> ImagePlan:
    """state=absent: the aliases go, and each image left without any."""
    before = _before(request, found)
    first = found.first
    aliases = plan_removal(request.aliases, found.now, found.by_fp)
    removals = [f"remove alias {a} from {short(found.now[a])}" for a in aliases.remove]
    removals += [f"delete image {short(fp)} (no alias left on it)" for fp in aliases.delete_images]
    left = [a for a in alias_names(first) if a not in aliases.remove]
    fp_after = None if (first is None or before["fingerprint"] in aliases.delete_images) else before["fingerprint"]
    after = diff_side(fp_after, left if fp_after else [], (first or {}).get("properties") or {} if fp_after
                      else {}, dict.fromkeys(request.aliases))
    return ImagePlan(removals, None, None, False, aliases, {}, before, after, {})


# (the image the aliases are to end on, None while it is still to be made; how it is made; the actions so far)
_Source = Tuple[Optional[str], Optional[str], List[str]]


def _plan_publish(request: ImageRequest, found: _Found, facts: SourceFacts) -> _Source:
    """An image published from the same instance or snapshot serves (unless refresh); else it is published."""
    if not request.refresh:
        target = next((fp for fp in found.candidates if identity_matches(found.by_fp[fp], facts.identity)), None)
        if target is not None:
            return target, None, []
    actions: list[str] = []
    if facts.snapshot_missing:
        actions.append(f"create snapshot {request.publish_source}")
    elif not request.snapshot and facts.instance_running:
        raise ImageError(
            f"instance {request.instance!r} is running and LXD publishes only stopped instances; give "
            f"snapshot (with create_snapshot: true) to publish a snapshot of it, or stop the instance first"
        )
    actions.append(f"publish {request.publish_source}")
    return None, "publish", actions


def _plan_source(request: ImageRequest, found: _Found, facts: SourceFacts) -> _Source:
    """Whether an image LXD has is the one the source makes, or how the image is to be made."""
    kind = request.source_kind
    if kind == "publish":
        return _plan_publish(request, found, facts)
    if kind == "tarball":
        fingerprint = str(facts.fingerprint)
        if fingerprint in found.by_fp:
            return fingerprint, None, []
        files = " + ".join(os.path.basename(p) for p in (request.metadata_tarball, request.rootfs_tarball) if p)
        return None, "import", [f"import {files} as {short(fingerprint)}"]
    if kind == "remote" and request.remote is not None:
        target = next((fp for fp in found.candidates if remote_matches(found.by_fp[fp], request.remote)), None)
        if target is not None:
            return target, None, []
        return None, "copy", [f"copy {request.remote.label} from {request.remote.server}"]
    return None, None, []


def _alias_actions(aliases: AliasPlan, shown: str | None, target: str | None) -> list[str]:
    actions = [f"add alias {a} to {short(shown)}" for a in aliases.add]
    actions += [f"move alias {a} from {short(old)} to {short(shown)}" for a, old in aliases.move.items()]
    actions += [f"remove alias {a} from {short(target)}" for a in aliases.remove]
    actions += [f"delete image {short(fp)} (no alias left on it)" for fp in aliases.delete_images]
    return actions


def _image_after(existing: Mapping[str, Any] | None, shown: str | None, request: ImageRequest,
                 settings: Mapping[str, Any]) -> dict[str, Any]:
    """The image as the module returns it, once the plan is carried out."""
    image = image_summary(existing) if existing else {
        "fingerprint": shown, "aliases": [], "size": None, "properties": {}, "created_at": None,
        "architecture": None, "public": False, "auto_update": False,
    }
    image.update(aliases=sorted(request.aliases), properties=dict(settings["properties"]),
                 public=settings["public"], auto_update=settings["auto_update"])
    return image


def plan_image(request: ImageRequest, images: list[Mapping[str, Any]], facts: SourceFacts) -> ImagePlan:
    """Decide what to do from the images LXD has (``GET images?recursion=1``) and the facts about the source."""
    found = _found(request, images)
    if request.state == "absent":
        return _plan_absent(request, found)
    target, create, actions = _plan_source(request, found, facts)
    kind = request.source_kind
    existing = found.by_fp.get(target) if target else None
    settings = desired_settings(request, existing, facts.identity if kind == "publish" else None)
    update: dict[str, Any] = {}
    if existing is not None and _settings_differ(existing, settings):
        update = settings
        actions.append(f"update image {short(target)}")
    shown = target if target else (facts.fingerprint if kind == "tarball" else None)
    aliases = plan_aliases(request.aliases, target, found.now, found.by_fp)
    actions += _alias_actions(aliases, shown, target)
    after = diff_side(shown, list(request.aliases), settings["properties"], dict.fromkeys(request.aliases, shown))
    return ImagePlan(actions, target, create, facts.snapshot_missing and create is not None, aliases, update,
                     _before(request, found), after, _image_after(existing, shown, request, settings))


# ---------------------------------------------------------------------------------------------------------
# Talking to LXD


def image_path(fingerprint: str) -> str:
    return "images/" + fingerprint


def alias_path(alias: str) -> str:
    return "images/aliases/" + quote(alias, safe="")


def _listing(names: list[str], near: str | None = None) -> str:
    """Names for a message, the closest to `near` first, at most MAX_LISTED of them."""
    if not names:
        return "none"
    if near:
        close = difflib.get_close_matches(near, names, n=MAX_LISTED, cutoff=0.5)
        names = close + [name for name in names if name not in close]
    shown = ", ".join(names[:MAX_LISTED])
    return shown + (f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else "")


def read_publish_facts(client: LxdClient, request: ImageRequest) -> SourceFacts:
    """Check that the instance (and snapshot) exist; raise ImageError listing what there is otherwise."""
    instance = str(request.instance)
    state = client.get_or_none("instances/" + quote(instance, safe=""))
    if state is None:
        names = sorted(names_from_urls(client.get("instances")))
        raise ImageError(f"instance {instance!r} does not exist; existing instances: {_listing(names, instance)}")
    facts = SourceFacts(instance_running=str(state.get("status", "")).lower() != "stopped")
    if not request.snapshot:
        facts.identity = publish_identity(instance, None, None)
        return facts
    snapshot = client.get_or_none(f"instances/{quote(instance, safe='')}/snapshots/{quote(request.snapshot, safe='')}")
    if snapshot is None:
        if not request.create_snapshot:
            names = sorted(names_from_urls(client.get(f"instances/{quote(instance, safe='')}/snapshots")))
            raise ImageError(
                f"instance {instance!r} has no snapshot {request.snapshot!r}; "
                f"its snapshots: {_listing(names, request.snapshot)}; "
                f"set create_snapshot: true to take it, or name an existing one"
            )
        facts.snapshot_missing = True
        facts.identity = publish_identity(instance, request.snapshot, None)
        return facts
    facts.identity = publish_identity(instance, request.snapshot, str(snapshot.get("created_at")))
    return facts


def probe_server(remote: RemoteSource, timeout: float = 10.0) -> None:
    """Fail with the server's URL when it cannot be reached at all (before anything is changed)."""
    url = remote.server.rstrip("/") + ("/streams/v1/index.json" if remote.protocol == "simplestreams" else "/1.0")
    try:
        response = open_url(url, timeout=timeout, method="GET")
        response.read(1)
        response.close()
    except HTTPError:
        return  # it answered; LXD reports what it thinks of the answer
    except (URLError, UrlConnectionError, OSError, socket.timeout) as exc:
        reason = getattr(exc, "reason", exc)
        raise ImageError(
            f"image server {remote.server} ({remote.protocol}) is unreachable: {reason}; check the URL and that "
            f"this host reaches it (proxy, DNS, firewall)"
        ) from exc


def _multipart(boundary: str, parts: list[tuple[str, str]]) -> Iterator[bytes]:
    """A multipart/form-data body streamed from the files, for LXD's split image upload."""
    for name, path in parts:
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; "
               f"filename=\"{os.path.basename(path)}\"\r\nContent-Type: application/octet-stream\r\n\r\n").encode()
        with open(path, "rb") as handle:
            yield from iter(lambda: handle.read(CHUNK), b"")
        yield b"\r\n"
    yield f"--{boundary}--\r\n".encode()


def upload_tarballs(client: LxdClient, request: ImageRequest, settings: Mapping[str, Any]) -> str:
    """POST the tarballs to LXD, wait for the import, return the new image's fingerprint."""
    metadata = str(request.metadata_tarball)
    headers = {"X-LXD-public": "true" if settings["public"] else "false"}
    if settings["properties"]:
        headers["X-LXD-properties"] = urlencode(settings["properties"])
    try:
        if request.rootfs_tarball:
            boundary = uuid.uuid4().hex
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
            body: Any = _multipart(boundary, [("metadata", metadata), ("rootfs", request.rootfs_tarball)])
            response = client.raw("POST", "images", data=body, headers=headers,
                                  timeout=max(client.conn.timeout, 600))
        else:
            headers["Content-Type"] = "application/octet-stream"
            headers["X-LXD-filename"] = os.path.basename(metadata)
            with open(metadata, "rb") as handle:
                response = client.raw("POST", "images", data=handle, headers=headers,
                                      timeout=max(client.conn.timeout, 600))
    except LxdError as exc:
        raise LxdError(f"could not import {metadata}: {exc}") from exc
    except Exception as exc:  # connection errors of requests, unreadable files
        raise LxdError(f"uploading {metadata} to LXD failed: {exc}") from exc
    data = response.json()
    op_id = str(data.get("operation", "")).rstrip("/").rsplit("/", maxsplit=1)[-1]
    result = client.wait_operation(op_id, timeout=max(client.conn.timeout, 600)) if data.get("type") == "async" \
        else data.get("metadata")
    fingerprint = (result or {}).get("fingerprint")
    if not fingerprint:
        raise LxdError(f"LXD imported {metadata} but did not say under which fingerprint (operation {op_id})")
    return str(fingerprint)


def _create(client: LxdClient, request: ImageRequest, plan: ImagePlan, settings: Mapping[str, Any]) -> str:
    """Make the new image; return its fingerprint."""
    if plan.create == "import":
        return upload_tarballs(client, request, settings)
    body: dict[str, Any] = {"properties": settings["properties"], "public": settings["public"], "aliases": []}
    if plan.create == "publish":
        if plan.create_snapshot:
            client.request("POST", f"instances/{quote(str(request.instance), safe='')}/snapshots",
                           {"name": request.snapshot, "stateful": False})
            snapshot = client.get(f"instances/{quote(str(request.instance), safe='')}/snapshots/"
                                  f"{quote(str(request.snapshot), safe='')}")
            body["properties"] = {**body["properties"], **publish_identity(
                str(request.instance), request.snapshot, str(snapshot.get("created_at")))}
        body["source"] = {"type": "snapshot" if request.snapshot else "instance", "name": request.publish_source}
        what = request.publish_source
    else:
        remote = request.remote
        if remote is None:
            raise LxdError("nothing to copy: give remote, or server and remote_alias")
        body["auto_update"] = settings["auto_update"]
        body["source"] = {"type": "image", "mode": "pull", "server": remote.server, "protocol": remote.protocol,
                          "alias": remote.alias}
        what = f"{remote.label} from {remote.server}"
    try:
        result = client.request("POST", "images", body, timeout=max(client.conn.timeout, 600))
    except LxdError as exc:
        raise LxdError(f"could not {plan.create} {what}: {exc}") from exc
    fingerprint = (result or {}).get("fingerprint")
    if not fingerprint:
        raise LxdError(f"LXD made an image from {what} but did not say its fingerprint")
    return str(fingerprint)


def read_facts(client: LxdClient, request: ImageRequest) -> SourceFacts:
    """What the plan needs to know of the source: the instance and snapshot, or the tarballs' fingerprint."""
    facts = SourceFacts()
    if request.state == "present":
        if request.source_kind == "publish":
            facts = read_publish_facts(client, request)
        elif request.source_kind == "tarball":
            facts.fingerprint = tarball_fingerprint(str(request.metadata_tarball), request.rootfs_tarball)
    return facts


def _apply_removal(client: LxdClient, plan: ImagePlan, images: list[Mapping[str, Any]]) -> None:
    """Delete the images left without aliases (their aliases go with them) and the other aliases."""
    doomed = set(plan.aliases.delete_images)
    now = alias_map(images)
    for alias in plan.aliases.remove:
        if now[alias] not in doomed:
            client.request("DELETE", alias_path(alias))
    for fingerprint in plan.aliases.delete_images:
        client.request("DELETE", image_path(fingerprint))


def _apply_target(client: LxdClient, request: ImageRequest, plan: ImagePlan, facts: SourceFacts) -> str:
    """Make the image (or update the settings of the one there is); return its fingerprint."""
    target = plan.target
    if target is None:
        settings = desired_settings(request, None, facts.identity if request.source_kind == "publish" else None)
        target = _create(client, request, plan, settings)
        made = client.get(image_path(target))
        wanted = desired_settings(request, made, None)
        if _settings_differ(made, wanted):
            client.request("PUT", image_path(target), {**_put_body(made), **wanted})
    elif plan.settings:
        current = client.get(image_path(target))
        client.request("PUT", image_path(target), {**_put_body(current), **plan.settings})
    return target


def _apply_aliases(client: LxdClient, aliases: AliasPlan, target: str) -> None:
    for alias in aliases.remove:
        client.request("DELETE", alias_path(alias))
    for alias in aliases.move:
        client.request("PUT", alias_path(alias), {"target": target, "description": ""})
    for alias in aliases.add:
        client.request("POST", "images/aliases", {"name": alias, "target": target, "description": ""})
    for fingerprint in aliases.delete_images:
        if fingerprint != target:
            client.request("DELETE", image_path(fingerprint))


def apply_image(client: LxdClient, request: ImageRequest, check_mode: bool = False) -> ImagePlan:
    """Read, plan and (unless check_mode) carry out the plan; ``plan.image`` is the image afterwards."""
    facts = read_facts(client, request)
    images = client.get("images", params={"recursion": 1}) or []
    plan = plan_image(request, images, facts)
    if plan.create == "copy" and request.remote is not None:
        probe_server(request.remote)
    if check_mode or not plan.changed:
        return plan
    if request.state == "absent":
        _apply_removal(client, plan, images)
        return plan
    target = _apply_target(client, request, plan, facts)
    _apply_aliases(client, plan.aliases, target)
    final = client.get(image_path(target))
    plan.image = image_summary(final)
    plan.after = diff_side(target, alias_names(final), final.get("properties") or {},
                           dict.fromkeys(request.aliases, target))
    return plan


def _put_body(image: Mapping[str, Any]) -> dict[str, Any]:
    body = {key: copy.deepcopy(image.get(key)) for key in ("auto_update", "properties", "public", "expires_at",
                                                           "profiles")}
    return {key: value for key, value in body.items() if value is not None}
