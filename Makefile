# `make test`: the README's test command. Installs what the tests need, then runs the whole suite.
PYTHON ?= python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: test test-deps serve translations

test: test-deps
	.venv/bin/bandit -q -r mpp_app migrations  # static security scan: clean, or each finding justified in the code
	.venv/bin/pytest

test-deps:
	@(command -v chromium && (command -v nginx || test -x /usr/sbin/nginx)) >/dev/null || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium nginx)
	[ -x .venv/bin/python ] || $(PYTHON) -m venv .venv
	.venv/bin/pip install -q -e '.[test]'

serve:
	[ -x .venv/bin/python ] || $(PYTHON) -m venv .venv
	.venv/bin/pip install -q -e .
	.venv/bin/mpp serve

# After changing user-facing text: refresh the English catalogue, translate the new entries in
# mpp_app/translations/en/LC_MESSAGES/messages.po, run this again, and commit both .po and .mo
# (the compiled file is committed so that `pip install -e .` alone gives a working English UI).
translations:
	.venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 --no-location --sort-output -o mpp_app/translations/messages.pot .
	.venv/bin/pybabel update -i mpp_app/translations/messages.pot -d mpp_app/translations -l en --no-fuzzy-matching --ignore-obsolete --width 100
	.venv/bin/pybabel compile -d mpp_app/translations -l en --statistics
