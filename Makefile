# The README's two commands: `make demo` and `make test`. Every target installs what it needs first.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := $(CURDIR)/.venv
export PATH := $(VENV)/bin:$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
LAB := ansible-playbook -i inventory/lab

.PHONY: help bootstrap lab lab-down demo test units sanity lint ee integration molecule bench-farm

help:
	@echo "make demo      build the embedded lab and run the farm on it"
	@echo "make test      unit, sanity, lint, execution environment, the demo, integration (real LXD) and molecule tests"
	@echo "make lab-down  remove everything the lab made"

bootstrap:
	bash scripts/bootstrap.sh

lab: bootstrap
	$(LAB) playbooks/lab.yml

lab-down: bootstrap
	$(LAB) playbooks/lab_down.yml

demo: lab
	$(LAB) playbooks/demo.yml

units: bootstrap
	pytest -q tests/unit

sanity: bootstrap
	bash scripts/sanity.sh

lint: bootstrap
	bash scripts/lint.sh

ee: bootstrap
	bash scripts/ee_check.sh

integration: lab
	bash scripts/integration.sh

molecule: lab
	bash scripts/molecule.sh

test: bootstrap
	$(MAKE) units
	$(MAKE) sanity
	$(MAKE) lint
	$(MAKE) ee
	$(MAKE) demo
	$(MAKE) integration
	$(MAKE) molecule

bench-farm: lab
	bench/farm
