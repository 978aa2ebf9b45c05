# Every target sets up what it needs on first use: `make serve` and `make test` work on a fresh machine.
SHELL := /bin/bash
# jsii (the CDK runtime) warns about Node 20 on every synth; the warning is noise for our Python CDK app.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.installed
LAYER := build/layer
# checkov pins dependencies (boto3 among them) that contradict pyproject.toml's: its own virtualenv
# (the path infra/checkov_scan.py runs it from).
CHECKOV_VENV := .venv-checkov
CHECKOV_VERSION := 3.3.30
CHECKOV_READY := $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)
PYTEST_WORKERS ?= 2

.PHONY: serve test unit lint synth layer checkov openapi bench clean

# $(call install,VENV,REQUIREMENTS): uv installs what pip would (the same resolution) in a fraction of
# the time (a fresh clone's setup: 140 s -> 25 s on a 2-core machine); pip is the fallback where uv
# cannot be had.
define install
	@$(1)/bin/pip install --quiet --disable-pip-version-check uv \
		&& $(1)/bin/uv pip install --quiet --python $(1)/bin/python $(2) \
		|| $(1)/bin/pip install --quiet --disable-pip-version-check $(2)
endef

$(READY): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing Python dependencies into $(VENV) (first run only, about 20 seconds)..."
	$(call install,$(VENV),-e ".[dev]")
	@touch $@

$(CHECKOV_READY):
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	@echo "Installing checkov $(CHECKOV_VERSION) into $(CHECKOV_VENV) (first run only)..."
	$(call install,$(CHECKOV_VENV),"checkov==$(CHECKOV_VERSION)")
	@touch $@

## checkov: the IaC scanner in its own virtualenv (the infra tests and `make synth` run it)
checkov: $(CHECKOV_READY)

## serve: run the platform locally on the embedded AWS emulator (http://127.0.0.1:8000)
serve: $(READY)
	$(BIN)/cdp serve $(ARGS)

## test: lint, type-check and run every test suite
test: lint $(CHECKOV_READY)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

## lint: ruff (lint + format check) and mypy (strict on layers/)
lint: $(READY)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## layer: the Lambda layer (package + dependencies) for arm64 / Python 3.12 in build/layer
# Lambda's python3.12 runs on Amazon Linux 2023 (glibc 2.34): any manylinux wheel up to 2_34 fits.
layer: $(LAYER)/.built
$(LAYER)/.built: $(READY) pyproject.toml $(shell find layers/common/python -name '*.py' 2>/dev/null)
	rm -rf $(LAYER) && mkdir -p $(LAYER)/python
	$(BIN)/pip install --quiet --disable-pip-version-check --target $(LAYER)/python \
		--platform manylinux2014_aarch64 --platform manylinux_2_28_aarch64 --platform manylinux_2_34_aarch64 \
		--implementation cp --python-version 3.12 --only-binary=:all: \
		$$($(BIN)/python -c "import tomllib; print(' '.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))")
	cp -r layers/common/python/contact_platform $(LAYER)/python/
	find $(LAYER) -name '__pycache__' -prune -exec rm -rf {} +
	touch $@

## synth: the CloudFormation templates in cdk.out (builds the layer; fails on cdk-nag, cfn-lint or checkov findings)
#   context as for the CDK CLI: make synth ARGS="-c devMode=true"
#   cfn-lint's W3005 (a DependsOn a GetAtt already implies) is how CDK orders a role, its policy and its function.
synth: layer $(CHECKOV_READY)
	rm -rf cdk.out
	$(BIN)/python -m infra.app $(ARGS)
	$(BIN)/cfn-lint --non-zero-exit-code error --ignore-checks W3005 -- cdk.out/*.template.json
	$(BIN)/python -m infra.checkov_scan cdk.out
	@echo "Templates written to cdk.out/"

## openapi: regenerate docs/openapi.json, docs/api.md and the event schemas from the route table and models
openapi: $(READY)
	$(BIN)/python -m local.openapi docs/openapi.json docs/api.md

## bench: throughput and request-count figures against the embedded emulator
bench: $(READY)
	$(BIN)/python -m benchmarks.run $(ARGS)

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) build cdk.out .pytest_cache .mypy_cache .ruff_cache
