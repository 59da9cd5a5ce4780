#!/usr/bin/env bash
# The GPU benchmark as run on a lent H100/H200 (the device's own python3 has torch, transformers and accelerate).
set -u
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
OUT=${OUT:-bench/out}; mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
python3 -c "import torch, transformers, accelerate; print('torch', torch.__version__, 'transformers', transformers.__version__, 'accelerate', accelerate.__version__)" | tee -a "$OUT/gpu.txt"
python3 bench/bench_train.py --shape base --device cuda --out "$OUT/train_base.json" 2>&1 | grep -v Warning | tee "$OUT/train_log.txt"
