# Set-up and entry points. A fresh machine needs Python 3.11 and make; everything else
# comes from requirements.txt into .venv.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: setup system-packages run test lint report clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# Debian/Ubuntu packages some features need (README, set-up): CJK fonts for the PDF and
# Chinese figures, poppler-utils, qpdf and chromium for the tests that look at the outputs.
SYSTEM_PACKAGES := fonts-noto-cjk poppler-utils qpdf chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
system-packages:
	$(SUDO) apt-get update
	$(SUDO) apt-get install -y $(SYSTEM_PACKAGES)

run: $(STAMP)  ## the whole workflow on the data named in config.yaml
	$(BIN)/snakemake --cores 4

test: $(STAMP)  ## the test suite (what CI runs)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check Snakefile workflow/rules

report: $(STAMP)  ## re-render the chapter from existing results
	$(BIN)/snakemake --cores 1 --forcerun report report

clean:
	rm -rf results .snakemake
