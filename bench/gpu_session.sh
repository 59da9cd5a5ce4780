#!/usr/bin/env bash
# Issue 15 on a lent H100/H200 (the device time is 15 minutes a session, start-up included; one command runs at most 10).
# Four parts, picked by PARTS, each under its own time limit, each writing its JSON record or log as it goes (a cut run
# still returns what it measured):
#   compile  the cold start of --compile, whole model beside its layers compiled in place (bench/bench_compile.py, fresh
#            caches per process; measured on a CPU only so far, 2026-11-27)
#   e2e    the seed's recipe end to end (bench/e2e.py --scale SCALE; measured in full on an H200 on 2026-11-27, run 3)
#   steps  the step rates (bench/bench_train.py), in order of what is still unmeasured: the largest batches, the kernel
#          levers (max-autotune inside the captured graph, Liger's LayerNorm) each beside its baseline, then Trainer;
#          kdnli_compile_cuda_graph (layers compiled, the default since 2026-11-27) beside kdnli_compile_model_cuda_graph
#   tests  the notebooks in TESTS with their `#| gpu` cells (tools/run_tests.py --gpu; 05_learner passed on an H200 in run 3)
# The default, PARTS="compile steps", is what is left but the tests: about 500 s, then a second call for the tests:
#   run: carry [".whl"], command "bash bench/gpu_session.sh", timeout_s 600   ($OUT is set by the device tool)
#   run: carry [".whl"], command "PARTS=tests bash bench/gpu_session.sh", timeout_s 400
#   (run 3's e2e + steps: "E2E_S=445 STEPS_S=125 PARTS='e2e steps' bash bench/gpu_session.sh")
# .whl holds what the device's Python 3.12 lacks: fastcore, Liger (pure Python over the Triton that CUDA builds of torch
# bring) and, for the tests, nbdev and execnb with their dependencies (about 13 MB):
#   .venv/bin/python -m pip download -q --no-deps --only-binary=:all: -d .whl fastcore==1.14.5 liger-kernel==0.8.5
#   .venv/bin/python -m pip download -q --only-binary=:all: --python-version 3.12 --implementation cp \
#     --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 -d .whl "nbdev==2.4.14" "execnb<0.2" "fastcore<2"
set -u
OUT=${OUT:-bench/out}; SCALE=${SCALE:-16}; E2E_S=${E2E_S:-445}; STEPS_S=${STEPS_S:-300}; TESTS=${TESTS:-06_trainers}; TESTS_S=${TESTS_S:-330}; COMPILE_S=${COMPILE_S:-200}; PARTS=${PARTS:-compile steps}; mkdir -p "$OUT"
if ls .whl/*.whl >/dev/null 2>&1; then   # only what the device lacks: torch's, transformers' and accelerate's own dependencies stay theirs
  ls .whl/*.whl | grep -Evi '/(setuptools|wheel|build|packaging|typing_extensions|pyyaml|psutil|certifi|idna|anyio|h11|httpcore|httpx|pygments|six)-' > /tmp/wheels.txt
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site $(cat /tmp/wheels.txt) && export PYTHONPATH=/tmp/site:$PWD   # the repository too: the notebooks run from nbs/
fi
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=true
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$OUT/gpu.txt" 2>&1
python3 -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__)" >> "$OUT/gpu.txt" 2>&1
case " $PARTS " in *" e2e "*)
timeout "$E2E_S" python3 -u bench/e2e.py --scale "$SCALE" --work /tmp/e2e --out "$OUT/e2e.json" 2>&1 | grep --line-buffered -vi warn > "$OUT/e2e.log"
rm -rf /tmp/e2e;; esac
case " $PARTS " in *" compile "*)
timeout "$COMPILE_S" python3 -u bench/bench_compile.py --shape base --device cuda --cuda_graph --out "$OUT/compile.json" 2>&1 | grep --line-buffered -vi warn > "$OUT/compile.log";; esac
case " $PARTS " in *" steps "*)
timeout "$STEPS_S" python3 -u bench/bench_train.py --shape base --device cuda --steps 40 --warmup 15 --out "$OUT/steps.json" \
  --only max_batch_teacher,max_batch_layerwise_contrast,kdnli_compile_cuda_graph,kdnli_compile_model_cuda_graph,kdnli_compile_max_autotune_cuda_graph,kdnli_cuda_graph,kdnli_cuda_graph_liger_layernorm,distill_live_compile_cuda_graph,distill_live_compile_model_cuda_graph,distill_live_compile_max_autotune_cuda_graph,kdnli_eager,kdnli_eager_liger_layernorm,hf_trainer,kdnli_compile_max_autotune_cuda_graph_dynamic_len,kdnli_compile_cuda_graph_dynamic_len \
  2>&1 | grep --line-buffered -vi warn > "$OUT/steps.log";; esac
case " $PARTS " in *" tests "*)
  timeout "$TESTS_S" python3 tools/run_tests.py $TESTS --gpu --no-export-check > "$OUT/gpu_tests.log" 2>&1; echo "gpu tests rc=$?" >> "$OUT/gpu_tests.log";; esac
for f in "$OUT"/*.log; do [ -f "$f" ] && tail -n 3 "$f"; done; true
