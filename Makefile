# `make run` starts the bot: on Telegram when BOT_TOKEN is set, else the local web playground.
# `make test` sets up .venv and runs ruff, mypy and pytest.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench screenshots clean

$(STAMP): requirements-dev.lock pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "clubbot needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/clubbot start

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest --junitxml=.pytest-report.xml

# The README's playground screenshots, from the browser test (CJK fonts: fonts-noto-cjk).
screenshots: install
	CLUBBOT_SCREENSHOTS=docs $(BIN)/pytest -q tests/test_playground.py -k "browser_student or picking"

bench: install
	$(BIN)/python -m bench.updates

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .pytest-report.xml
