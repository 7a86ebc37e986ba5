# Two entry points: `make serve` and `make test`. Both create .venv and install flowmock into it first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.flowmock-installed
PORT ?= 4010
PYTEST_WORKERS ?= 2

# Byte-compile flowmock's own modules, as a regular (non-editable) install does: an editable install under
# PYTHONDONTWRITEBYTECODE=1 would otherwise compile every module from source at each start (about half of start-up).
COMPILE := $(BIN)/python -m compileall -q mock_server contracts > /dev/null

.PHONY: serve test install bench bench-prism clean

# Installation is silent (pip's output goes to $(VENV)/install.log, shown only when it fails), so the
# output of `make serve` is the banner and nothing else; on a terminal one line says what is going on.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@if [ -t 1 ]; then echo "installing flowmock into $(VENV) (first run: about 2 minutes) ..."; fi
	@{ $(BIN)/python -m pip install --quiet --upgrade pip && $(BIN)/python -m pip install --quiet -e '.[test]'; } \
		> $(VENV)/install.log 2>&1 || { tail -n 40 $(VENV)/install.log; echo "pip install failed: see $(VENV)/install.log"; exit 1; }
	@$(COMPILE)
	@touch $(STAMP)

install: $(STAMP)

serve: $(STAMP)
	@$(COMPILE)
	@$(BIN)/flowmock serve --host 127.0.0.1 --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -q

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py

bench-prism: $(STAMP)
	@$(COMPILE)
	$(BIN)/python benchmarks/bench_vs_prism.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache reports
