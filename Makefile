# The two commands: `make demo` and `make test`. Each creates .venv on first use, from uv.lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
AS_OF ?= 2026-11-23

# uv installs the locked dependency tree; it is itself pinned and kept apart from the project's venv
# so that an exact sync never removes it.
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
export UV_PYTHON_DOWNLOADS := never
EXTRAS := --extra dev --extra fuzz --extra serve

.PHONY: demo test test-latest lint typecheck format install lock bench mutate clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# --locked fails if uv.lock no longer matches pyproject.toml: run `make lock` and commit both.
$(STAMP): pyproject.toml uv.lock | $(UV)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --quiet --locked $(EXTRAS) --python $(PYTHON)
	touch $(STAMP)

install: $(STAMP)

# Evaluates the bundled example project: first in detail against Wuhan, then side by side against
# every pack. A non-compliant verdict (exit 1) is the expected outcome of the demo, not a failure.
demo: $(STAMP)
	@$(BIN)/policyengine evaluate examples/project.yaml --pack wuhan --stage application --as-of $(AS_OF); \
	  status=$$?; [ $$status -le 1 ] || exit $$status
	@echo
	@$(BIN)/policyengine compare examples/project.yaml --stage application --as-of $(AS_OF); \
	  status=$$?; [ $$status -le 1 ] || exit $$status

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

PYTEST = HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-$$( [ "$$CI" = true ] && echo ci || echo dev )} \
	  $(1)/python -m pytest

test: lint typecheck
	$(call PYTEST,$(BIN))

# The newest versions that pyproject.toml allows, resolved afresh (not from the lock), in a venv of
# their own: catches an upstream release that breaks us before a user meets it.
LATEST := .venv-latest
test-latest: | $(UV)
	rm -rf $(LATEST)
	$(UV) venv --quiet --python $(PYTHON) $(LATEST)
	VIRTUAL_ENV=$(LATEST) $(UV) pip install --quiet --upgrade --resolution highest -e '.[dev,fuzz,serve]'
	$(call PYTEST,$(LATEST)/bin)

# Re-resolve after changing dependencies in pyproject.toml; commit uv.lock with it.
lock: | $(UV)
	$(UV) lock --python $(PYTHON)

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

# The hand-written baseline is first checked against the engine (exit 1 on any disagreement).
bench: $(STAMP)
	$(BIN)/python benchmarks/check_handwritten.py
	$(BIN)/python benchmarks/bench.py

# Mutation testing of the five bundled packs against their cases: a table of mutants, killed,
# survivors and scores (`policyengine mutate wuhan` lists one pack's survivors by clause).
# Minutes, not seconds, so not part of `make test` but run by CI after it (.ci/run); it fails
# unless every threshold, band and list mutant is killed and 95% of all. Outcomes are cached in
# .policyengine-cache/mutate/. JOBS=N sets the worker processes (default: one per core).
PACKS := wuhan mengyin zhanggong xiangxi yiyang
mutate: $(STAMP)
	$(BIN)/policyengine mutate $(PACKS) --summary --strict --min-score 0.95 $(if $(JOBS),--jobs $(JOBS))

clean:
	rm -rf $(VENV) $(LATEST) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache .hypothesis .policyengine-cache dist build
