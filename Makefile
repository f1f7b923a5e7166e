# The two commands a newcomer needs: `make run` and `make test`.
# Both build the virtual environment from requirements.lock first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench demo token lock clean

$(STAMP): requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m cli run

test: $(STAMP)
	$(BIN)/python -m cli broker-check --for-tests
	$(BIN)/nameko test

bench: $(STAMP)
	$(BIN)/python -m cli broker-check --for-tests
	$(BIN)/python -m bench

demo: $(STAMP)
	$(BIN)/python -m cli demo-data

token: $(STAMP)
	$(BIN)/python -m cli token --help

lock:
	rm -rf /tmp/jiangxin-lock && $(PYTHON) -m venv /tmp/jiangxin-lock
	/tmp/jiangxin-lock/bin/pip install --quiet -r requirements.in
	{ echo "# Generated from requirements.in by \`make lock\`: every package pinned, installed with --no-deps."; \
	  /tmp/jiangxin-lock/bin/pip freeze --all | grep -v '^pip=='; } > requirements.lock

clean:
	rm -rf $(VENV) var
