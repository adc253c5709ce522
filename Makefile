# neurogrow: `make demo` sets everything up and runs the main job; `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
export BS_INSTALL_DEPENDENCIES := no
export RESULTCACHING_DISABLE := 1

.PHONY: setup demo lint test test-slow mutation clean

$(VENV)/.installed: pyproject.toml setup.py constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@echo 'installing neurogrow and its pinned dependencies into $(VENV) (first time: several minutes; pip shows each package)'
	$(PY) -m pip install --progress-bar on -c constraints.txt -e '.[dev,brainscore]'
	touch $@

setup: $(VENV)/.installed

demo: setup
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
