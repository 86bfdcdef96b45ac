# voc — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
PORT ?= 8501

.PHONY: setup run test bench lint model sample clean browser

setup: $(STAMP)

# One pip command with the exact pins: torch==2.13.0 must be resolved together with
# sentence-transformers, or pip pulls a multi-GB CUDA build.
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/python scripts/prepare_workspace.py || echo "note: the app will analyze the sample on its first start"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/streamlit run app.py --server.headless true --server.port $(PORT) \
		--browser.gatherUsageStats false

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

# Headless Chromium (Debian packages chromium + chromium-driver) for the end-to-end browser
# test and PNG chart export. Installed with apt-get when missing (sudo -n when not root);
# under CI a failed install fails the build, elsewhere the browser test is then skipped.
browser:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo "sudo -n" ); \
		echo "Installing Chromium for the browser test (apt-get install chromium chromium-driver)"; \
		{ $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install \
			-y -qq chromium chromium-driver >/dev/null; } \
		|| { echo "note: could not install Chromium; the browser test will be skipped"; \
		     [ -z "$${CI:-}" ] || exit 1; }; \
	else echo "note: no apt-get here; install Chromium to run the browser test"; fi

lint: $(STAMP)
	$(BIN)/ruff check voc app.py app_pages tests benchmarks

# Benchmark-only packages (BERTopic baseline); never in requirements.txt, tests don't need them.
BENCH_STAMP := $(VENV)/.bench-installed
BERTOPIC := bertopic==0.17.4

$(BENCH_STAMP): $(STAMP) requirements-bench.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps $(BERTOPIC)
	touch $(BENCH_STAMP)

bench: $(STAMP) $(BENCH_STAMP)
	$(BIN)/python benchmarks/run.py

# Rebuild the shipped default model from the project's seed data (+ permitted public data
# in ../shared/data when present). Output: models/default/<version>/.
model: $(STAMP)
	$(BIN)/python scripts/build_default_model.py

sample:
	$(PYTHON) data/make_sample.py

clean:
	rm -rf $(VENV) .pytest_cache
