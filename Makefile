# voc — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
PORT ?= 8501

.PHONY: setup run test bench lint model sample clean

setup: $(STAMP)

# One pip command with the exact pins: torch==2.13.0 must be resolved together with
# sentence-transformers, or pip pulls a multi-GB CUDA build.
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/streamlit run app.py --server.headless true --server.port $(PORT) \
		--browser.gatherUsageStats false

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check voc app.py tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# Rebuild the shipped default model from the project's seed data (+ permitted public data
# in ../shared/data when present). Output: models/default/<version>/.
model: $(STAMP)
	$(BIN)/python scripts/build_default_model.py

sample:
	$(PYTHON) data/make_sample.py

clean:
	rm -rf $(VENV) .pytest_cache
