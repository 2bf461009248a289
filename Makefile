# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install system-deps test lint demo bench clean

# Debian tools the attachment extractors shell out to (.doc/.wps); skipped when present or not root.
system-deps:
	@command -v antiword >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && apt-get install -y -qq antiword >/dev/null) || echo "warning: could not install antiword; .doc files will fail with a clear error"; \
	  else echo "note: antiword missing (apt-get install antiword) — .doc/.wps parsing disabled"; fi; }

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) system-deps

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/pytest -q

demo: install
	$(BIN)/gov-reports demo

bench: install
	$(BIN)/python -m bench.parse
	$(BIN)/python -m bench.sim

clean:
	rm -rf $(VENV) data/demo .pytest_cache
