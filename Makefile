# The README's two commands: `make demo` and `make test`. Every target installs what it needs first.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := $(CURDIR)/.venv
export PATH := $(VENV)/bin:$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
# LAB_SERVER=incus (or lxd) chooses the lab's server; Incus on Debian 12 comes from its backports. Empty: the
# lxd_host role's own choice (scripts/lab_server.sh: the installed one; with both or none, Incus on Debian 13 and
# later, LXD on Debian 12). Take the lab down before switching it to the other server.
LAB_SERVER ?=
# LAB_SUITE=trixie builds the lab's routers and house hosts from Debian 13 (empty: bookworm, Debian 12), and
# LAB_BIRD=bird3 gives its routers BIRD 3.1 (trixie only; empty: bird2). Take the lab down before switching.
LAB_SUITE ?=
LAB_BIRD ?=
# PALMFARM_LAB_READY=1 (set by scripts/test.sh once its step `lab` passed): the targets below skip lab.yml.
LAB_PREREQ := $(if $(PALMFARM_LAB_READY),bootstrap,lab)
LAB := ansible-playbook -i inventory/lab -e lxd_host_server=$(or $(LAB_SERVER),$(shell bash scripts/lab_server.sh)) \
	$(if $(LAB_SUITE),-e lab_image_suite=$(LAB_SUITE)) $(if $(LAB_BIRD),-e lab_image_bird_package=$(LAB_BIRD))

.PHONY: help bootstrap lab lab-down demo site status test units sanity newest lint ee docs docs-check integration molecule \
	isolation integration-incus debian13 \
	status-check runner-check release-check bench-farm bench-cluster bench-renumbering bench-docs mutation

help:
	@echo "make demo      build the embedded lab and run the farm on it"
	@echo "make test      unit, sanity, lint, execution environment, the demo, integration (real LXD) and molecule tests"
	@echo "make status    the farm table and a picture of the network (SVG), on demand"
	@echo "make lab-down  remove everything the lab made"

bootstrap:
	bash scripts/bootstrap.sh

lab: bootstrap
	$(LAB) playbooks/lab.yml

lab-down: bootstrap
	$(LAB) playbooks/lab_down.yml

demo: $(LAB_PREREQ)
	$(LAB) playbooks/demo.yml

site: $(LAB_PREREQ)
	$(LAB) playbooks/site.yml

status: bootstrap
	$(LAB) playbooks/status.yml

units: bootstrap
	pytest -q tests/unit

sanity: bootstrap
	bash scripts/sanity.sh

# Units and sanity again on the newest supported ansible-core (.venv-newest); everything else runs on the oldest.
newest: bootstrap
	bash scripts/newest.sh

lint: bootstrap
	bash scripts/lint.sh

ee: bootstrap
	bash scripts/ee_check.sh

docs: bootstrap
	python scripts/build_docs.py
	python scripts/architecture.py

docs-check: bootstrap
	python scripts/build_docs.py --check
	python scripts/architecture.py --check
	python scripts/mutation.py --report --check
	python scripts/bench_docs.py --check
	python scripts/test_times.py --check

# Mutation testing of the pure cores (scripts/mutation.py): docs/mutation/*.json and docs/mutation.md.
mutation: bootstrap
	python scripts/mutation.py

# docs/benchmarks.md's generated sections, rendered from the samples the benchmarks wrote (docs/bench/*.json).
bench-docs: bootstrap
	python scripts/bench_docs.py

integration: $(LAB_PREREQ)
	bash scripts/integration.sh

molecule: $(LAB_PREREQ)
	bash scripts/molecule.sh

# The LXD-facing targets again, against Incus (started beside LXD by the lxd_host role).
INCUS_TARGETS := lxd_profile lxd_image lxd_farm inventory_lxd lxd_cluster lxd_remote
integration-incus: $(LAB_PREREQ)
	ansible-playbook tests/incus_host.yml
	out=$$(ansible-playbook tests/incus_host.yml) || { echo "$$out"; exit 1; }; echo "$$out"; \
		echo "$$out" | grep -q 'changed=0 ' || { echo "tests/incus_host.yml changed something on its second run"; exit 1; }
	PALMFARM_TEST_SERVER=incus bash scripts/integration.sh $(INCUS_TARGETS)

# Debian 13: scripts/bootstrap.sh, the units and a farm on Incus, inside a Debian 13 system container; then the
# babel_router scenario on Debian 13 routers with BIRD 3.1 (the ring routes, a silently dead link routed around).
debian13: $(LAB_PREREQ)
	bash scripts/debian13_check.sh
	PALMFARM_RING_SUITE=trixie bash scripts/molecule.sh -s babel_router

# Every integration target and molecule scenario alone, in a shuffled order, on a machine with only the lab.
isolation: $(LAB_PREREQ)
	bash scripts/isolation.sh

# After the demo: the lab with site.yml applied.
status-check: $(LAB_PREREQ)
	bash tests/status_check.sh

runner-check: $(LAB_PREREQ)
	bash scripts/runner_check.sh site.yml

release-check: $(LAB_PREREQ)
	bash scripts/release_check.sh

test: bootstrap
	bash scripts/test.sh

bench-farm: $(LAB_PREREQ)
	bench/farm

bench-cluster: $(LAB_PREREQ)
	bench/cluster

bench-renumbering: $(LAB_PREREQ)
	bench/renumbering
