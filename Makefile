# Two commands: `make run` serves Lingkar, `make test` runs the whole test suite.
# Both create .venv on first use (with uv when it is on the PATH, else venv + pip).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint site clean messages

$(STAMP): pyproject.toml
	@if command -v uv >/dev/null 2>&1; then \
		uv venv --allow-existing --python $(PYTHON) $(VENV) && \
		uv pip install --python $(BIN)/python -e ".[test]"; \
	else \
		$(PYTHON) -m venv $(VENV) && \
		$(BIN)/python -m pip install --quiet --upgrade pip && \
		$(BIN)/python -m pip install --quiet -e ".[test]"; \
	fi
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/lingkar serve

test: $(STAMP)
	$(BIN)/ruff check backend tests bench site_overrides
	$(BIN)/python -m pytest

site: $(STAMP)
	$(BIN)/lingkar build-site

# After changing a text of the templates or an N_() message: extract them and update the
# catalogs; then translate the new entries in backend/locales/id/LC_MESSAGES/messages.po
# (tests/test_i18n.py fails while one is missing, empty or fuzzy).
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _ --no-location --sort-output -w 100 \
		--project Lingkar --copyright-holder "Lingkar contributors" -o backend/locales/messages.pot .
	$(BIN)/pybabel update -i backend/locales/messages.pot -d backend/locales -D messages -w 100 \
		--no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf build .pytest_cache
