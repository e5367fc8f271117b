# Two entry points: `make run` (set up, serve on the embedded default) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIXVERSE_MCP := $(VENV)/pixverse-mcp

.PHONY: run test install system-deps lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
# nudenet's opencv-python-headless overwrote cv2 without saliency/ximgproc: put the
# contrib build (same version, a superset) back on top.
	$(BIN)/pip install -q --force-reinstall --no-deps opencv-contrib-python==4.11.0.86
	$(BIN)/pip check
	touch $(STAMP)

install: $(STAMP)

# The official PixVerse MCP client, for tests/test_pixverse_mcp.py. It declares Python >= 3.12
# and an MCP server stack it does not need as a client: its own directory, outside
# site-packages (so `pip check` stays clean); its runtime deps are in the `dev` extra.
# Reinstalled when this file changes, so bumping the pin takes effect.
$(PIXVERSE_MCP)/.installed: Makefile | $(STAMP)
	rm -rf $(PIXVERSE_MCP)
	$(BIN)/pip install -q --no-deps --ignore-requires-python --target $(PIXVERSE_MCP) \
		pixverse-mcp==0.2.2
	touch $@

# Debian packages for the real servers and the browser the tests start on 127.0.0.1
# (installed when root; otherwise the tests that need them are skipped, and fail under CI).
system-deps:
	@missing=""; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	else echo "Missing Debian packages:$$missing (not root): their tests will be skipped"; fi

run: install
	$(BIN)/vidswap db upgrade
	$(BIN)/vidswap serve

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src

test: install system-deps lint $(PIXVERSE_MCP)/.installed
	$(BIN)/pytest -W error

bench: install
	$(BIN)/python -m bench.result_rps
	$(BIN)/python -m bench.upload
	$(BIN)/python -m bench.speed_masks
	$(BIN)/python -m bench.speed_track
	$(BIN)/python -m bench.quality_masks
	$(BIN)/python -m bench.speed_swap
	$(BIN)/python -m bench.stages_swap
	$(BIN)/python -m bench.quality_swap

clean:
	rm -rf $(VENV) .vidswap .pytest_cache .mypy_cache .ruff_cache
