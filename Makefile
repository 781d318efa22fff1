# `make test`: the README's test command. Installs what the tests need, then runs the whole suite.
PYTHON ?= python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: test test-deps serve

test: test-deps
	.venv/bin/pytest

test-deps:
	@command -v chromium >/dev/null || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium)
	[ -x .venv/bin/python ] || $(PYTHON) -m venv .venv
	.venv/bin/pip install -q -e '.[test]'

serve:
	[ -x .venv/bin/python ] || $(PYTHON) -m venv .venv
	.venv/bin/pip install -q -e .
	.venv/bin/mpp serve
