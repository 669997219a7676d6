# The course's commands. `make course` and `make test` set everything up on a fresh
# machine with Python 3.11+ and pip; the other targets are for instructors.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
LINTED := helpers tests benchmarks scripts notebooks book conftest.py

.PHONY: course test book lab sync lint data clean venv

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt requirements-export.txt requirements-reference.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt -r requirements-export.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-reference.txt
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

## Run every chapter notebook in order (default profile), executed copies in outputs/notebooks/;
## each trained-model result is checked against its range in helpers/expected.py.
## A cell that runs past the profile's limit, or a kernel that dies, is one line naming the
## chapter and cell; the next chapter runs, and the exit status is 1.
course: $(STAMP)
	COURSE_CHECK_EXPECTED=1 $(PY) scripts/notebooks.py run

## Ruff (lint and format); then, on TEST_WORKERS processes (pytest-xdist, a file to each:
## conftest.py), every chapter notebook executed once by nbval in the quick profile (its
## executed copy kept in outputs/notebooks/), the unit tests and the examples in the helpers'
## docstrings; the course site built from those executed copies; and the site's pages in
## headless Chromium. The 15 slowest tests are listed.
TEST_WORKERS ?= 2
TEST_ENV := COURSE_PROFILE=quick COURSE_CHECK_EXPECTED=1
test: $(STAMP) lint
	$(TEST_ENV) $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile notebooks tests helpers \
		--ignore-glob='notebooks/*.py' --ignore=tests/test_site.py --nbval-lax \
		--nbval-current-env --nbval-cell-timeout=300 --keep-executed outputs/notebooks \
		--durations=15
	$(PY) scripts/book.py --reuse
	$(TEST_ENV) $(PY) -m pytest tests/test_site.py

## The course site with every chapter's outputs, in outputs/book/ (BOOK_PROFILE=cpu by default;
## quick in CI). Open outputs/book/index.html in a browser.
BOOK_PROFILE ?= cpu
book: $(STAMP)
	$(PY) scripts/book.py --profile $(BOOK_PROFILE)

## JupyterLab on the notebooks (installs JupyterLab into .venv the first time).
lab: $(STAMP)
	@$(PY) -c "import jupyterlab" 2>/dev/null || $(PY) -m pip install --quiet jupyterlab
	$(VENV)/bin/jupyter lab notebooks

## Bring each .ipynb and its .py script in line, and strip outputs.
sync: $(STAMP)
	$(PY) scripts/notebooks.py sync

## Ruff: the lint rules and the formatting (pyproject.toml), notebooks' .py twins included.
lint: $(STAMP)
	$(VENV)/bin/ruff check $(LINTED)
	$(VENV)/bin/ruff format --check $(LINTED)

## Regenerate the bundled datasets into data/ (deterministic: same bytes every time).
data: $(STAMP)
	$(PY) -m helpers synth --out data --overwrite

clean:
	rm -rf outputs .pytest_cache
