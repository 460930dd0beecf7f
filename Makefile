# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8501
# apt-get needs root; the machines here run as root, elsewhere sudo is used if present.
SUDO   := $(shell [ "$$(id -u)" = "0" ] || command -v sudo)

.PHONY: run dev test lint bench load look chromium clean reference default-results

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first and exactly: a looser spec pulls a multi-GB CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet ".[dev]"
	touch $(STAMP)

# serve.py is app.py plus a warm-up of every page when the server starts.
run: $(STAMP)
	$(PY) -m streamlit run serve.py --server.port=$(PORT)

# For editing the code: reruns the page when a file changes (config.toml turns the file
# watcher off, because under load it costs the server a fifth of its CPU).
dev: $(STAMP)
	$(PY) -m streamlit run app.py --server.port=$(PORT) \
	  --server.fileWatcherType=auto --server.runOnSave=true --client.showErrorDetails=full

# Debian packages the browser tests need: chromium, and nginx for the replicas test
# (tests/test_replicas.py runs it, without root, in front of two replicas on loopback ports).
chromium:
	@missing=""; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	test -x /usr/sbin/nginx || missing="$$missing nginx"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian's$$missing for the browser tests"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: $(STAMP)
	$(PY) -m ruff check .

test: $(STAMP) chromium lint
	$(PY) -m pytest

bench: $(STAMP) chromium
	$(PY) bench/interaction.py

load: $(STAMP) chromium
	$(PY) bench/load.py --client protocol
	$(PY) bench/load.py --client browser

look: $(STAMP) chromium
	$(PY) ../shared/tools/look.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# The README's list of every page's URL parameters, from the pages' declarations.
reference: $(STAMP)
	$(PY) tools/params_reference.py

# Collaborative filtering's and the tabular page's default results, trained ahead and shipped
# (explorer/data/collab_movielens_defaults.npz, tabular_defaults.npz); tests/test_collab_shipped.py
# and tests/test_tabular_shipped.py check them.
default-results: $(STAMP)
	$(PY) tools/make_collab_defaults.py
	$(PY) tools/make_tabular_defaults.py
