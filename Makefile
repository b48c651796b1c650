# Set-up and entry points. A fresh machine needs Python 3.11 and make; everything else
# comes from requirements.txt into .venv.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: setup system-packages chapter-packages run test lint report clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# Debian/Ubuntu packages: the chapter's own (CJK fonts for the Chinese figures and PDF) and the
# tests' (poppler-utils, qpdf, chromium and LibreOffice look at the outputs as a reader would;
# Slurm and munge make the one-node cluster of tests/test_slurm.py, profiles/slurm/local-cluster.sh).
CHAPTER_PACKAGES := fonts-noto-cjk
SLURM_PACKAGES := slurm-wlm munge
SYSTEM_PACKAGES := $(CHAPTER_PACKAGES) poppler-utils qpdf chromium libreoffice-writer-nogui $(SLURM_PACKAGES)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
system-packages:
	$(SUDO) apt-get update
	$(SUDO) apt-get install -y $(SYSTEM_PACKAGES)

# Before a run: the chapter needs a Chinese font. When none is found, install it (as root, or
# through sudo) and say so; without either, stop at once with the command to run.
chapter-packages: $(STAMP)
	@if ! $(BIN)/python -c "from govsurvey.report.render import find_cjk_font; find_cjk_font()" 2>/dev/null; then \
	  if ! command -v apt-get >/dev/null 2>&1; then \
	    echo "No Chinese (CJK) font found, and this is not a Debian/Ubuntu system."; \
	    $(BIN)/python -c "from govsurvey.report.render import find_cjk_font; find_cjk_font()" 2>&1 | tail -n 1; \
	    exit 1; \
	  elif [ "$$(id -u)" = 0 ]; then \
	    echo "Installing $(CHAPTER_PACKAGES) (Chinese text in the figures and the PDF) with apt-get."; \
	    apt-get update -qq && apt-get install -y -qq $(CHAPTER_PACKAGES); \
	  elif command -v sudo >/dev/null 2>&1; then \
	    echo "Installing $(CHAPTER_PACKAGES) (Chinese text in the figures and the PDF) with sudo apt-get."; \
	    sudo apt-get update -qq && sudo apt-get install -y -qq $(CHAPTER_PACKAGES); \
	  else \
	    echo "The chapter needs a Chinese font, and installing one needs root. Run, as root:"; \
	    echo "  apt-get update && apt-get install -y $(CHAPTER_PACKAGES)"; \
	    exit 1; \
	  fi; \
	fi

run: $(STAMP) chapter-packages  ## the whole workflow on the data named in config.yaml
	$(BIN)/snakemake --cores 4

test: $(STAMP)  ## the test suite (what CI runs)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check Snakefile workflow/rules

report: $(STAMP) chapter-packages  ## re-render the chapters from existing results
	$(BIN)/snakemake --cores 2 --forcerun report chapter

clean:
	rm -rf results .snakemake
