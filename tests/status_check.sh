#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Usage: tests/status_check.sh
#
# Runs playbooks/status.yml against the embedded lab (built by `make lab`, with site.yml applied) and checks
# the picture it writes: valid SVG (XML), the three routers r1 r2 r3 and the three rooms in it, and the ring
# link the laptop's traffic to the first replica takes now, as the kernel of its router r3 says
# (`ip -6 route get`), drawn as carrying traffic and in the colour of the laptop-to-farm path. It also checks
# that the farm table lists every replica with the page fetched by name from the laptop.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
venv_bin="$root/.venv/bin"
work="${PALMFARM_TEST_DIR:-${TMPDIR:-/tmp}/palmfarm-ipv6-test}/status"
rm -rf "$work"
mkdir -p "$work"
svg="$work/palmfarm-status.svg"

# The server the lab runs on (LXD or Incus): the one holding its router r3. status.yml is told the same.
cli=""
for candidate in lxc incus; do
    if command -v "$candidate" >/dev/null && timeout 20 "$candidate" query /1.0/instances/r3 >/dev/null 2>&1; then
        cli=$candidate
        break
    fi
done
[[ -n "$cli" ]] || { echo "status_check: neither LXD nor Incus runs the lab's router r3: run 'make demo' first" >&2; exit 1; }
server=$([[ "$cli" == incus ]] && echo incus || echo lxd)

route_dev() {  # the interface r3's kernel sends traffic to $1 over
    "$cli" exec r3 -- ip -json -6 route get "$1" | "$venv_bin/python" -c 'import json,sys; print(json.load(sys.stdin)[0]["dev"])'
}
# The replica the laptop's traffic goes to (w2) and the link r3 sends it over, from the kernel's own route,
# read before and after the run: a route that moved meanwhile (a link failing) makes the run count for nothing,
# and it is run once more.
first="$("$cli" exec w2 -- ip -6 -o address show scope global dev eth0 | awk '{print $4}' | grep -v '^f[cd]' | head -1)"
first="${first%/*}"
for attempt in 1 2 3; do
    before="$(route_dev "$first")"
    start=$SECONDS
    ANSIBLE_CONFIG="${ANSIBLE_CONFIG:-$root/ansible.cfg}" "$venv_bin/ansible-playbook" -i "$root/inventory/lab" \
        "$root/playbooks/status.yml" -e "status_svg_path=$svg" -e "lxd_host_server=$server" >"$work/status.log" 2>&1 \
        || { tail -40 "$work/status.log" >&2; echo "status_check: status.yml failed (log: $work/status.log)" >&2; exit 1; }
    link="$(route_dev "$first")"
    echo "status_check: status.yml ran in $((SECONDS - start)) s; r3 sends the laptop's traffic to w2 ($first) over $link"
    [[ "$before" == "$link" ]] && break
    echo "status_check: the route moved from $before to $link during the run (attempt $attempt): again" >&2
    [[ $attempt == 3 ]] && { echo "status_check: the route never held still for a run" >&2; exit 1; }
done

"$venv_bin/python" - "$svg" "$link" "$work/status.log" <<'PY'
import sys
import xml.etree.ElementTree as ET

svg_path, link, log_path = sys.argv[1:4]
SVG = "{http://www.w3.org/2000/svg}"
root = ET.parse(svg_path).getroot()  # raises on anything but well-formed XML
assert root.tag == SVG + "svg", f"{svg_path} is not SVG: root element {root.tag}"
texts = {"".join(node.itertext()) for node in root.iter(SVG + "text")}
wanted = {"r1", "r2", "r3", "Pi's segment (br0)", "server segment (lan-srv)", "client segment (lan-cli)",
          "w2", "ns", "laptop"}
assert wanted <= texts, f"the picture lacks {sorted(wanted - texts)}"
groups = {node.get("id"): node for node in root.iter(SVG + "g") if node.get("id")}
edge = groups.get("link-" + link)
assert edge is not None, f"the picture has no link {link}; it has {sorted(k for k in groups if k.startswith('link-'))}"
assert "carrying" in edge.get("class", "").split(), f"link {link} is not drawn as carrying: {edge.get('class')}"
strokes = {path.get("stroke") for path in edge.iter(SVG + "path")}
assert "#c00000" in strokes, f"link {link} is not drawn as the laptop-to-farm path: strokes {strokes}"
links = sorted(k[5:] for k in groups if k.startswith("link-"))
log = open(log_path, encoding="utf-8").read()
assert "palmfarm web server w2 at" in log, "the farm table shows no page of w2 fetched by name"
print(f"status_check: {svg_path} is valid SVG with r1 r2 r3, the rooms, links {', '.join(links)}, "
      f"and {link} carrying the laptop's traffic")
PY
