# The two commands: `make run` (portal + workers + demo on http://127.0.0.1:8000) and `make test`.
# Both go through `make setup`, which is quick when nothing has changed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
export DJANGO_SETTINGS_MODULE ?= portal.settings.dev

.PHONY: setup demo-deps run test lint format pytest system-deps browser-deps translations messages clean bench bench-transcode

setup: system-deps $(VENV)/.installed translations

$(VENV)/.installed: pyproject.toml
	@scripts/check-python.sh $(PYTHON)
	@scripts/make-venv.sh $(PYTHON) $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,lint]"
	@touch $@

system-deps:
	@scripts/system-deps.sh ffmpeg gettext

browser-deps:
	@scripts/system-deps.sh --optional chromium

# Compile the Vietnamese catalogues (ours and our translations of Wagtail's admin).
translations: $(VENV)/.installed
	@$(BIN)/python manage.py compilemessages --ignore '.venv' --ignore 'var' -v 0

# Refresh locale/vi/LC_MESSAGES/django.po from the source after changing user-facing strings.
messages: $(VENV)/.installed
	$(BIN)/python manage.py makemessages -l vi --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'locale-wagtail/*' --no-obsolete
	$(BIN)/python manage.py makemessages -d djangojs -l vi --ignore '.venv/*' --ignore 'var/*' --ignore 'static-collected/*' --no-obsolete

# The demo recordings read their slides aloud and print Vietnamese text when these are there.
demo-deps:
	@scripts/system-deps.sh --optional espeak-ng fonts-dejavu-core

run: setup demo-deps
	@HOST=$(HOST) PORT=$(PORT) scripts/run.sh

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy portal media search

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

pytest:
	DJANGO_SETTINGS_MODULE=portal.settings.test $(BIN)/pytest -n 2 $(PYTEST_ARGS)

test: setup browser-deps lint pytest

clean:
	rm -rf $(VENV) var/static

# Benchmarks: measurements, not tests (a missed target is reported, never an error). See bench/README.md.
# BENCH_ARGS passes options through, e.g. `make bench-transcode BENCH_ARGS="--repeat 3"`.
BENCH_ARGS ?=

bench: setup bench-transcode

bench-transcode: setup
	$(BIN)/python bench/transcode.py $(BENCH_ARGS)
