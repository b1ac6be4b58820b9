# The two commands: `make demo` and `make test`. Each creates .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
AS_OF ?= 2026-11-23

.PHONY: demo test lint typecheck format install bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@# The coverage-guided fuzzer is optional: its test is skipped where atheris does not install.
	$(BIN)/python -m pip install --quiet atheris || echo "atheris does not install here; its fuzz test will be skipped"
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

test: lint typecheck
	HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-$$( [ "$$CI" = true ] && echo ci || echo dev )} \
	  $(BIN)/python -m pytest

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis dist build
