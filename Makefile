# Two commands for a fresh machine with Python ≥ 3.10:  make lab  and  make test.
# Both create .venv when it is missing and install the course into it; a second run
# finds everything installed and starts at once.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# pytest-xdist workers for the notebook tests (each notebook runs in its own kernel)
JOBS   ?= 2

.PHONY: help install lab test unit notebooks seeds slides doctor lint format clean fresh-install gpu-check

help:
	@echo "make lab        open JupyterLab on notebooks/ (installs into $(VENV) first if needed)"
	@echo "make test       run every test: unit and tool tests with coverage, then every notebook under nbval"
	@echo "make unit       unit tests only (fast)"
	@echo "make notebooks  rebuild and re-execute every notebook from its .py source"
	@echo "make seeds      run every lecture on seeds 0-4 and print which asserts held"
	@echo "make slides     build a reveal.js deck per lecture in slides/build/ that opens offline"
	@echo "make doctor     check Python, torch, devices and the offline datasets"
	@echo "make lint       ruff over the package, tests and notebook sources"
	@echo "make fresh-install  install from the git URL into a new venv, as Colab does; run doctor and lecture 00"
	@echo "make gpu-check  on a CUDA machine: fresh venv, doctor, every lecture on CUDA (two seeds), GPU benchmarks (< 8 min)"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || \
		{ echo "Python 3.10 or newer is needed; run e.g. make PYTHON=python3.12 ..."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,lab,cluster]"
	@touch $(STAMP)

install: $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

# One torch thread per worker: JOBS workers already fill the cores, and more threads than cores
# make PyTorch's threads wait on each other (the notebooks run about 3x slower).
PYTEST := COURSE_PROGRESS=0 OMP_NUM_THREADS=1 $(BIN)/python -m pytest -p no:cacheprovider -n $(JOBS) --dist loadscope

test: $(STAMP)
	$(PYTEST) tests --cov=course_utils --cov=course_tools --cov-report=term-missing:skip-covered --cov-fail-under=90
	$(PYTEST) notebooks --nbval-lax --nbval-current-env

unit: $(STAMP)
	$(PYTEST) tests --cov=course_utils --cov=course_tools --cov-report=term-missing:skip-covered

notebooks: $(STAMP)
	$(BIN)/course run

# Every lecture on seeds 0-4 (COURSE_SEED), a table of which held their asserts; not part of make test.
seeds: $(STAMP)
	$(BIN)/course seeds --out benchmarks/results/seeds.csv

slides: $(STAMP)
	$(BIN)/course slides

fresh-install:
	PYTHON=$(PYTHON) .ci/fresh-install

doctor: $(STAMP)
	$(BIN)/course doctor

# Needs an NVIDIA GPU (exits 2 at once without one); makes its own venv, so no $(STAMP).
gpu-check:
	PYTHON=$(PYTHON) bash benchmarks/gpu_check.sh

lint: $(STAMP)
	$(BIN)/ruff check course_utils course_tools tests notebooks benchmarks
	$(BIN)/ruff format --check course_utils course_tools tests

format: $(STAMP)
	$(BIN)/ruff format course_utils course_tools tests

clean:
	rm -rf $(VENV) release slides/build .pytest_cache .ruff_cache .coverage htmlcov
