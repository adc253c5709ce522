# neurogrow: `make demo` installs what the demo needs and runs it; `make test` installs the test tools too and runs the tests.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
export BS_INSTALL_DEPENDENCIES := no
export RESULTCACHING_DISABLE := 1

.PHONY: setup demo lint test test-slow mutation clean

# `make demo` installs what the demo needs: neurogrow and its base dependencies (no test tools,
# no Brain-Score). `make test` and `make setup` add the dev and brainscore extras to the same venv.
$(VENV)/.installed-base: pyproject.toml setup.py constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@echo 'installing neurogrow and its pinned base dependencies into $(VENV) (first time: a few minutes; pip shows each package)'
	$(PY) -m pip install --progress-bar on -c constraints.txt -e .
	touch $@

$(VENV)/.installed: $(VENV)/.installed-base
	@echo 'installing the dev and brainscore extras into $(VENV) (tests, linters, Brain-Score)'
	$(PY) -m pip install --progress-bar on -c constraints.txt -e '.[dev,brainscore]'
	touch $@

setup: $(VENV)/.installed

demo: $(VENV)/.installed-base
	$(VENV)/bin/neurogrow compare-rt --demo --out demo_results --overwrite

lint: setup
	$(VENV)/bin/ruff check neurogrow tests benchmarks
	$(VENV)/bin/mypy

test: setup lint
	$(PY) -m pytest -q

test-slow: setup
	$(PY) -m pytest -q -m slow

# mutation testing of neurogrow/stats and neurogrow/rt (hours; never part of `make test`): benchmarks/results/mutation.json
mutation: setup
	$(PY) benchmarks/mutation.py

clean:
	rm -rf $(VENV) demo_results mutants .pytest_cache .mypy_cache .ruff_cache
