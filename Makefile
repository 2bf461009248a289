# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install system-deps test lint demo bench clean

# Debian packages: antiword for .doc/.wps attachments; chromium, its driver and CJK fonts for the
# web pages' browser test (never downloaded by the test tool); WenQuanYi Micro Hei, the TrueType
# font the simulator's PDFs embed as real reports do (sim/attachments.py). Installed only when
# root and missing; otherwise a note says what is absent.
DEBIAN_DEPS := antiword chromium chromium-driver fonts-noto-cjk fonts-wqy-microhei

system-deps:
	@missing=""; for p in $(DEBIAN_DEPS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null) \
	      || echo "warning: could not install$$missing (.doc parsing / browser test affected)"; \
	  else echo "note: missing Debian packages:$$missing (apt-get install$$missing)"; fi; fi

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) system-deps

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Test files run in parallel, one per core (at most 4): the suite is mostly crawls in
# subprocesses and parsing, bound by CPU. A file's tests stay on one worker (module fixtures).
test: lint
	$(BIN)/pytest -q -n auto --maxprocesses 4 --dist loadfile

demo: install
	$(BIN)/gov-reports demo

bench: install
	$(BIN)/python -m bench.parse
	$(BIN)/python -m bench.sim

clean:
	rm -rf $(VENV) data/demo .pytest_cache
