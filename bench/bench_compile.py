#!/usr/bin/env python
"""Cold-start cost of `--compile`: the whole model (`--compile_scope model`) beside its repeated layers compiled in place
(`--compile_scope layers`, the default), each in a fresh process with empty inductor and Triton caches, as a user's first
run is. Prints a JSON record (and writes it with --out).

  python bench/bench_compile.py --shape base --batch_size 8 --lengths 32,64             # CPU (about 8 minutes on 2 cores)
  python bench/bench_compile.py --shape base --device cuda --cuda_graph                  # GPU: batch 32, lengths 32..128

The updates cycle through --lengths (every batch padded to one of them, as `--pad_multiple 32` pads MNLI's batches), so each
length is compiled once and then recurs. Per update the time is taken with the device synchronised; a length's steady step
time is the median of its last --steady updates, and the compile cost is what the updates took beyond their length's steady
time (compilation, CUDA-graph warm-up and capture included). The steady rate is the batch size over the mean steady step time."""
import argparse, json, os, shutil, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))

p = argparse.ArgumentParser()
p.add_argument('--shape', default='tiny', choices=['tiny', 'base'])
p.add_argument('--device', default='cpu')
p.add_argument('--batch_size', type=int, default=32)
p.add_argument('--lengths', default='32,64,96,128', help='padded lengths the updates cycle through')
p.add_argument('--steady', type=int, default=6, help='updates of each length after the warm-up that give its steady step time')
p.add_argument('--cuda_graph', action='store_true', help='with --compile, replay the updates from CUDA graphs (GPU)')
p.add_argument('--compile_mode', default='default')
p.add_argument('--scopes', default='model,layers')
p.add_argument('--child', default='', help=argparse.SUPPRESS)
p.add_argument('--out', default='')
a = p.parse_args()
lengths = [int(x) for x in a.lengths.split(',')]
warm = 4 if a.cuda_graph else 1          # a CUDA-graph shape runs 3 eager updates, then is captured on its 4th

def child(scope):
    "One run in this process: the per-update times as JSON on stdout."
    import numpy as np, torch
    from transformers import AutoModel, BertConfig
    from kdnli.core import Callback, set_seed
    from kdnli.data import Batches, Encoded
    from kdnli.learner import Learner, OptimConfig
    from kdnli.losses import Objective
    from kdnli.models import NLIModel, TINY
    cuda = a.device.startswith('cuda')
    shape = dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072) if a.shape == 'base' else TINY['kdnli-tiny']
    V = 30522 if a.shape == 'base' else 1024
    n_upd = len(lengths) * (warm + a.steady)
    lens = np.repeat(np.tile(lengths, warm + a.steady), a.batch_size)        # batch k: every row of length lengths[k % len]
    rng = np.random.default_rng(0)
    ids = rng.integers(5, V, size=int(lens.sum())).astype(np.int32)
    enc = Encoded(ids, np.concatenate([[0], np.cumsum(lens)]).astype(np.int64), (lens // 2).astype(np.int16), rng.integers(0, 3, len(lens)), 'bench', 0, max(lengths))
    set_seed(0)
    cfg = BertConfig(vocab_size=V, max_position_embeddings=512, **shape)
    m = NLIModel.from_encoder(AutoModel.from_config(cfg, add_pooling_layer=True, attn_implementation='sdpa'), 3, 0.1)
    class Times(Callback):
        order = 100
        def before_fit(self): self.t, self.last = [], None
        def after_step(self):
            if cuda: torch.cuda.synchronize()
            now = time.perf_counter(); self.t.append(now - (self.last or self.t0)); self.last = now
    t = Times()
    learn = Learner(m, Batches(enc, a.batch_size, 'sequential', 0), Objective(ce=1.0), OptimConfig(total_step=n_upd, lr=3e-5, warmup_step=2),
                    cbs=[t], device_id=0 if cuda else -1, precision='bf16' if cuda else 'no', compile=scope != 'eager',
                    cuda_graph=a.cuda_graph, compile_mode=a.compile_mode, compile_scope='layers' if scope == 'eager' else scope)
    if cuda: torch.cuda.synchronize()
    t.t0 = time.perf_counter(); learn.fit()
    print(json.dumps({'times': t.t}))

if a.child: child(a.child); sys.exit()

import numpy as np
res = {'shape': a.shape, 'device': a.device, 'batch_size': a.batch_size, 'lengths': lengths, 'steady_updates_per_length': a.steady,
       'cuda_graph': a.cuda_graph, 'compile_mode': a.compile_mode, 'date': time.strftime('%Y-%m-%d')}
import torch, transformers
res.update(torch=torch.__version__, transformers=transformers.__version__,
           device_name=torch.cuda.get_device_name() if a.device.startswith('cuda') else f'cpu x{torch.get_num_threads()} threads')
for scope in a.scopes.split(','):
    cache = tempfile.mkdtemp(prefix='kdnli-compile-')
    env = {**os.environ, 'TORCHINDUCTOR_CACHE_DIR': f'{cache}/inductor', 'TRITON_CACHE_DIR': f'{cache}/triton'}   # nothing compiled before: a first run
    t0 = time.time()
    try:
        r = subprocess.run([sys.executable, __file__, *sys.argv[1:], '--child', scope], env=env, capture_output=True, text=True)
    finally: shutil.rmtree(cache, ignore_errors=True)
    if r.returncode:
        res[scope] = f'failed: {(r.stderr.strip().splitlines() or ["?"])[-1][:200]}'
    else:
        ts = np.array(json.loads(r.stdout.strip().splitlines()[-1])['times']).reshape(-1, len(lengths))   # [cycle, length]
        steady = np.median(ts[-a.steady:], axis=0)
        res[scope] = {'compile_s': round(float(np.clip(ts - steady, 0, None).sum()), 1), 'first_cycle_s': round(float(ts[0].sum()), 1),
                      'steady_ms_per_length': [round(float(x) * 1000, 1) for x in steady],
                      'steady_samples_per_s': round(a.batch_size / float(steady.mean()), 1), 'process_s': round(time.time() - t0, 1)}
    print(f"{scope}: {res[scope]}", file=sys.stderr, flush=True)
if all(isinstance(res.get(s), dict) for s in ('model', 'layers')):
    res['ratio_compile_model_vs_layers'] = round(res['model']['compile_s'] / max(res['layers']['compile_s'], 1e-9), 2)
    res['ratio_steady_layers_vs_model'] = round(res['layers']['steady_samples_per_s'] / res['model']['steady_samples_per_s'], 3)
print(json.dumps(res, indent=2))
if a.out:
    os.makedirs(os.path.dirname(a.out) or '.', exist_ok=True); json.dump(res, open(a.out, 'w'), indent=2)
