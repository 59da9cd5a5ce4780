#!/usr/bin/env bash
# Issue 15 on a lent H100/H200 in ONE call (the device time is 15 minutes a session, start-up included; one command runs at
# most 10): the seed's recipe end to end (bench/e2e.py, scaled), then the open step-rate targets side by side with
# transformers.Trainer and the seed's way, the patient-KD-from-banks lever and the largest batches (bench/bench_train.py).
# Each part has its own time limit, and both write their JSON record as they go, so a cut run still returns what it measured;
# the step rates run in order of what the open targets need most (teacher padded to 128 beside Trainer, eval padded to 128,
# live distillation, the patient-KD lever, the largest batches), the rest after.
#   run: carry [".whl"], command "bash bench/gpu_session.sh", timeout_s 600   ($OUT is set by the device tool)
# .whl holds the fastcore wheel (the device's python3 has torch, transformers, accelerate, not fastcore) and Liger's (the
# fused-LayerNorm lever; pure Python over the Triton that CUDA builds of torch bring):
#   .venv/bin/python -m pip download -q --no-deps --only-binary=:all: -d .whl fastcore==1.14.5 liger-kernel==0.8.5
# TESTS="05_learner 06_trainers" also runs those notebooks with their `#| gpu` cells (tools/run_tests.py --gpu) after the
# benchmarks, under TESTS_S seconds; it needs nbdev and execnb for the device's Python 3.12 in .whl too (about 12 MB):
#   .venv/bin/python -m pip download -q --only-binary=:all: --python-version 3.12 --implementation cp \
#     --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 -d .whl "nbdev==2.4.14" "execnb<0.2" "fastcore<2"
# and lower E2E_S and STEPS_S so that the three fit in one call's 600 s.
set -u
OUT=${OUT:-bench/out}; SCALE=${SCALE:-16}; E2E_S=${E2E_S:-450}; STEPS_S=${STEPS_S:-120}; TESTS=${TESTS:-}; TESTS_S=${TESTS_S:-150}; mkdir -p "$OUT"
if ls .whl/*.whl >/dev/null 2>&1; then   # only what the device lacks: torch's, transformers' and accelerate's own dependencies stay theirs
  ls .whl/*.whl | grep -Evi '/(setuptools|wheel|build|packaging|typing_extensions|pyyaml|psutil|certifi|idna)-' > /tmp/wheels.txt
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site $(cat /tmp/wheels.txt) && export PYTHONPATH=/tmp/site
fi
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=true
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$OUT/gpu.txt" 2>&1
python3 -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__)" >> "$OUT/gpu.txt" 2>&1
timeout "$E2E_S" python3 -u bench/e2e.py --scale "$SCALE" --work /tmp/e2e --out "$OUT/e2e.json" 2>&1 | grep --line-buffered -vi warn > "$OUT/e2e.log"
rm -rf /tmp/e2e
timeout "$STEPS_S" python3 -u bench/bench_train.py --shape base --device cuda --steps 40 --warmup 15 --out "$OUT/steps.json" \
  --only hf_trainer,kdnli_compile_cuda_graph,eval_bf16_weights,distill_live_compile_cuda_graph,distill_pkd_banks_compile_cuda_graph,max_batch_teacher,max_batch_layerwise_contrast,seed_style,distill_pkd_live_compile_cuda_graph,eval_bf16_weights_dynamic_len,kdnli_compile_max_autotune_cuda_graph,distill_live_compile_max_autotune_cuda_graph,kdnli_cuda_graph_liger_layernorm,kdnli_eager_liger_layernorm \
  2>&1 | grep --line-buffered -vi warn > "$OUT/steps.log"
if [ -n "$TESTS" ]; then
  timeout "$TESTS_S" python3 tools/run_tests.py $TESTS --gpu --no-export-check > "$OUT/gpu_tests.log" 2>&1; echo "gpu tests rc=$?" >> "$OUT/gpu_tests.log"
fi
tail -3 "$OUT"/*.log
