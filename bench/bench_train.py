#!/usr/bin/env python
"""Training- and eval-step benchmark: kdnli's Learner beside transformers.Trainer and a seed-style loop, one run, same model
shape and data. Prints a JSON record (and writes it with --out).

  python bench/bench_train.py --shape tiny                  # CPU: the built-in tiny BERT
  python bench/bench_train.py --shape base --device cuda    # GPU: BERT-base shape, random init, batch 32, max_seq_len 128

Data: random token ids (throughput does not depend on the weights or the words), every sequence 128 long, 3 classes,
batch 32, as in ../shared/reference/gpu-anchors.md. Each figure: --steps timed updates after --warmup updates."""
import argparse, gc, json, os, sys, time, traceback
import numpy as np, torch
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
from transformers import BertConfig
from kdnli.data import Batches, Encoded
from kdnli.losses import Objective
from kdnli.models import NLIModel, TINY
from kdnli.core import Callback, RunStopped, set_seed
from kdnli.learner import Learner, LiveTeacher, OptimConfig, compile_model, param_groups
from kdnli.models import build_student, layer_map, predict
from kdnli.membank import BankTeacher, LogitsBank, MemoryBank, NegativeSamplerCB, bank_vectors
from kdnli.losses import kd_loss, hidden_mse_loss
from transformers import get_linear_schedule_with_warmup

p = argparse.ArgumentParser()
p.add_argument('--shape', default='tiny', choices=['tiny', 'base'])
p.add_argument('--device', default='cpu')
p.add_argument('--batch_size', type=int, default=32)
p.add_argument('--seq', type=int, default=128)
p.add_argument('--steps', type=int, default=60)
p.add_argument('--warmup', type=int, default=15)
p.add_argument('--eval_batch', type=int, default=512)
p.add_argument('--only', default='', help='comma list of variants to run')
p.add_argument('--max_batch_cap', type=int, default=16384, help='max_batch_*: stop doubling here (on a CPU, where nothing runs out, name them in --only with a small cap)')
p.add_argument('--out', default='')
a = p.parse_args()
cuda = a.device.startswith('cuda')
shape = dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072) if a.shape == 'base' else TINY['kdnli-tiny']
V = 30522 if a.shape == 'base' else 1024
N = a.batch_size * (a.steps + max(a.warmup, 40) + 40)
rng = np.random.default_rng(0)
ids = rng.integers(5, V, size=(N, a.seq)).astype(np.int32); ids[:, 0] = 2; ids[:, -1] = 3
enc = Encoded(ids.reshape(-1), np.arange(N + 1, dtype=np.int64) * a.seq, np.full(N, a.seq // 2, np.int16), rng.integers(0, 3, N), 'bench', 0, a.seq)
# MNLI-like lengths (mean ~40 WordPieces) for the dynamic-padding variant
lens = np.clip(rng.gamma(4.0, 10.0, N).astype(int) + 8, 8, a.seq)
ids_dyn = [ids[i, :l] for i, l in enumerate(lens)]
enc_dyn = Encoded(np.concatenate(ids_dyn), np.concatenate([[0], np.cumsum(lens)]).astype(np.int64), (lens // 2).astype(np.int16), rng.integers(0, 3, N), 'bench-dyn', 0, a.seq)

def model(attn='sdpa', seed=0):
    set_seed(seed)
    cfg = BertConfig(vocab_size=V, max_position_embeddings=512, **shape)
    cfg._attn_implementation = attn
    from transformers import AutoModel
    enc_ = AutoModel.from_config(cfg, add_pooling_layer=True, attn_implementation=attn)
    return NLIModel.from_encoder(enc_, 3, 0.1)

def sync():
    if cuda: torch.cuda.synchronize()

res = {'shape': a.shape, 'device': torch.cuda.get_device_name() if cuda else f'cpu x{torch.get_num_threads()} threads', 'batch_size': a.batch_size,
       'seq': a.seq, 'steps': a.steps, 'warmup': a.warmup, 'torch': torch.__version__, 'date': time.strftime('%Y-%m-%d')}
import transformers; res['transformers'] = transformers.__version__

class Timer(Callback):
    order = 100
    def __init__(self, warmup): self.warmup = warmup
    def after_step(self):
        if self.learn.step == self.warmup: sync(); self.t0 = time.perf_counter()
        if self.learn.step == self.warmup + a.steps: sync(); self.dt = time.perf_counter() - self.t0

def liger_layernorm(m):
    "Every nn.LayerNorm of `m` replaced by Liger's Triton LayerNorm with the same weights (the fused-kernel lever; Liger ships no BERT patch)."
    from liger_kernel.transformers import LigerLayerNorm
    for name, mod in list(m.named_modules()):
        for cn, c in list(mod.named_children()):
            if isinstance(c, torch.nn.LayerNorm):
                new = LigerLayerNorm(c.normalized_shape[0], eps=c.eps, bias=True)
                new.load_state_dict(c.state_dict()); setattr(mod, cn, new)
    return m

def kdnli(compile=False, cuda_graph=False, data=enc, multiple=None, precision=None, warmup=None, compile_mode='default', liger=False, compile_scope='layers'):
    m = model()
    if liger: m = liger_layernorm(m)
    prec = precision or ('bf16' if cuda else 'no')
    warmup = warmup or a.warmup
    t = Timer(warmup)
    l = Learner(m, Batches(data, a.batch_size, 'length' if data is enc_dyn else 'random', 0, multiple=multiple), Objective(ce=1.0),
                OptimConfig(total_step=warmup + a.steps, lr=3e-5, warmup_step=10), cbs=[t], device_id=0 if cuda else -1, precision=prec,
                compile=compile, cuda_graph=cuda_graph, compile_mode=compile_mode, compile_scope=compile_scope)
    l.fit()
    return a.batch_size * a.steps / t.dt

def seed_style():
    "The seed's way: fp32 weights, fp16 autocast + GradScaler (GPU), eager attention, plain AdamW, pad to max_seq_len."
    dev = a.device
    m = model('eager').to(dev).train()
    opt = torch.optim.AdamW(param_groups(m, 0.01), lr=3e-5, foreach=False)
    sch = get_linear_schedule_with_warmup(opt, 10, 10 ** 6)
    scaler = torch.amp.GradScaler('cuda', enabled=cuda)
    B = Batches(enc, a.batch_size, 'random', 0, pad_to=a.seq)
    st = B.stream()
    for s in range(a.warmup + a.steps):
        if s == a.warmup: sync(); t0 = time.perf_counter()
        b = {k: v.to(dev) for k, v in next(st)[2].items()}
        with torch.autocast(device_type='cuda' if cuda else 'cpu', dtype=torch.float16, enabled=cuda):
            out = m(b['input_ids'], b['attention_mask'], b['token_type_ids'])
            loss = torch.nn.functional.cross_entropy(out.logits.float(), b['labels'])
        scaler.scale(loss).backward(); scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        scaler.step(opt); scaler.update(); sch.step(); opt.zero_grad()
        loss.item()   # the seed logged every step through .item()
    sync(); return a.batch_size * a.steps / (time.perf_counter() - t0)

def hf_trainer():
    "transformers.Trainer: bf16 (GPU), fused AdamW, pad to max_seq_len."
    from transformers import BertForSequenceClassification, Trainer, TrainingArguments, TrainerCallback
    set_seed(0)
    cfg = BertConfig(vocab_size=V, max_position_embeddings=512, num_labels=3, **shape)
    m = BertForSequenceClassification(cfg)
    class DS(torch.utils.data.Dataset):
        def __len__(self): return N
        def __getitem__(self, i):
            return {'input_ids': torch.from_numpy(ids[i].astype(np.int64)), 'attention_mask': torch.ones(a.seq, dtype=torch.long),
                    'token_type_ids': torch.zeros(a.seq, dtype=torch.long), 'labels': torch.tensor(int(enc.label[i]))}
    times = {}
    class T(TrainerCallback):
        def on_step_end(self, args, state, control, **kw):
            if state.global_step == a.warmup: sync(); times['t0'] = time.perf_counter()
            if state.global_step == a.warmup + a.steps: sync(); times['dt'] = time.perf_counter() - times['t0']
    import tempfile
    args = TrainingArguments(output_dir=tempfile.mkdtemp(), per_device_train_batch_size=a.batch_size, max_steps=a.warmup + a.steps,
                             learning_rate=3e-5, warmup_steps=10, bf16=cuda, optim='adamw_torch_fused' if cuda else 'adamw_torch',
                             logging_steps=10 ** 6, save_strategy='no', report_to=[], dataloader_num_workers=0, use_cpu=not cuda,
                             disable_tqdm=True, max_grad_norm=1.0)
    Trainer(model=m, args=args, train_dataset=DS(), callbacks=[T()]).train()
    return a.batch_size * a.steps / times['dt']

def head(e, n): return Encoded(e.ids[: e.offsets[n]], e.offsets[: n + 1], e.n_a[:n], e.label[:n], 'h', 0, a.seq)

def no_cudnn_sdpa(f):
    "Run f with cuDNN attention off (flash / memory-efficient SDPA only)."
    def g():
        torch.backends.cuda.enable_cudnn_sdp(False)
        try: return f()
        finally: torch.backends.cuda.enable_cudnn_sdp(True)
    return g

def eval_speed(weights_dtype=None, compile=False, autocast=True, data=enc):
    "kdnli.eval.predict at --eval_batch (every sequence 128 long, or MNLI-like lengths sorted and dynamically padded)."
    m = model().to(a.device)
    if weights_dtype is not None: m = m.to(weights_dtype)
    if compile: m = torch.compile(m)
    n = min(N, a.eval_batch * 12)
    prec = 'bf16' if (cuda and autocast and weights_dtype is None) else 'no'
    predict(m, head(data, n), a.eval_batch, a.device, prec)
    sync(); t0 = time.perf_counter()
    predict(m, head(data, n), a.eval_batch, a.device, prec)
    sync(); return n / (time.perf_counter() - t0)


def teacher_student(seed=0):
    "(teacher, student of half its depth initialised from its even layers, their layer map): the pair every distillation variant trains."
    set_seed(seed)
    teacher = model(); Ls = max(1, teacher.n_layers // 2)
    return teacher, build_student(teacher, num_hidden_layers=Ls), layer_map('even', Ls, teacher.n_layers)

def distill(live=True, compile=False, cuda_graph=False, compile_mode='default', compile_scope='layers'):
    "Distillation step: 6-layer student (from the teacher's even layers) + 12-layer teacher; KD + hidden MSE + CE live, or KD + CE from a logits bank."
    teacher, student, lm = teacher_student()
    dev = a.device
    if live:
        obj = Objective(ce=0.5, kd=(0.5, {'T': 2.0}), hidden_mse=(100.0, {'layers': lm}))
        tch = LiveTeacher(teacher.to(torch.bfloat16) if cuda else teacher, dev, True)   # bf16 weights on a GPU, as kdnli_distill's live teacher of a bf16 run
        if compile: tch.model = compile_model(tch.model, compile_mode, compile_scope)
    else:
        obj = Objective(ce=0.5, kd=(0.5, {'T': 2.0}))
        tch = LogitsBank(torch.randn(N, 3), {'fingerprint': 'bench'}).to(dev)
    t = Timer(a.warmup)
    Learner(student, Batches(enc, a.batch_size, 'random', 0), obj, OptimConfig(total_step=a.warmup + a.steps, lr=5e-5, warmup_step=10), cbs=[t],
            device_id=0 if cuda else -1, precision='bf16' if cuda else 'no', compile=compile, cuda_graph=cuda_graph, teacher=tch,
            compile_mode=compile_mode, compile_scope=compile_scope).fit()
    return a.batch_size * a.steps / t.dt

def distill_pkd(banks=False, compile=False, cuda_graph=False):
    "Patient-KD step: 6-layer student, CE + KD (T = 10) + patient KD on each mapped layer's [CLS] (mu = 100); the teacher live (forward with hidden states) or read from its logits and memory banks (`BankTeacher`: no teacher forward)."
    teacher, student, lm = teacher_student()
    dev, D = a.device, teacher.config.hidden_size
    obj = Objective(ce=0.5, kd=(0.5, {'T': 10.0}), pkd=(100.0, {'layers': lm}))
    if banks:
        mb = MemoryBank({l: torch.nn.functional.normalize(torch.randn(N, D), dim=-1).half().to(dev) for l in lm},
                        {'fingerprint': 'bench', 'kind': 'cls', 'teacher_layers': teacher.n_layers})
        tch = BankTeacher(LogitsBank(torch.randn(N, 3), {'fingerprint': 'bench'}).to(dev), mb)
    else:
        tch = LiveTeacher(teacher.to(torch.bfloat16) if cuda else teacher, dev, True)
        if compile: tch.model = compile_model(tch.model)
    t = Timer(a.warmup)
    Learner(student, Batches(enc, a.batch_size, 'random', 0), obj, OptimConfig(total_step=a.warmup + a.steps, lr=5e-5, warmup_step=10), cbs=[t],
            device_id=0 if cuda else -1, precision='bf16' if cuda else 'no', compile=compile, cuda_graph=cuda_graph, teacher=tch).fit()
    return a.batch_size * a.steps / t.dt

def distill_seed_style(live=True):
    "The seed's distillation step: fp16 autocast + GradScaler on the student, fp32 teacher, eager attention, plain AdamW, per-step .item()."
    dev = a.device
    teacher = model('eager').to(dev).eval()
    Ls = max(1, teacher.n_layers // 2)
    student = build_student(teacher, num_hidden_layers=Ls).to(dev).train()
    lm = layer_map('even', Ls, teacher.n_layers)
    opt = torch.optim.AdamW(param_groups(student, 0.01), lr=5e-5, foreach=False)
    scaler = torch.amp.GradScaler('cuda', enabled=cuda)
    bank = torch.randn(N, 3, device=dev)
    st = Batches(enc, a.batch_size, 'random', 0, pad_to=a.seq).stream()
    for s in range(a.warmup + a.steps):
        if s == a.warmup: sync(); t0 = time.perf_counter()
        b = {k: v.to(dev) for k, v in next(st)[2].items()}
        x = {k: b[k] for k in ('input_ids', 'attention_mask', 'token_type_ids')}
        with torch.no_grad():
            t_out = teacher(**x, hidden=live) if live else None
        with torch.autocast(device_type='cuda' if cuda else 'cpu', dtype=torch.float16, enabled=cuda):
            s_out = student(**x, hidden=live)
            class O: pass
            tl = O(); tl.logits = t_out.logits if live else bank[b['index']]
            loss = 0.5 * torch.nn.functional.cross_entropy(s_out.logits.float(), b['labels']) + 0.5 * kd_loss(s_out, b, tl, 2.0)
            if live: loss = loss + 100 * hidden_mse_loss(s_out, b, t_out, lm)
        scaler.scale(loss).backward(); scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(student.parameters(), 1.0)
        scaler.step(opt); scaler.update(); opt.zero_grad(); loss.item()
    sync(); return a.batch_size * a.steps / (time.perf_counter() - t0)


def contrast(compile=False, cuda_graph=False, infonce=True):
    "Layer-wise contrastive step: 6-layer student, InfoNCE on every student layer vs banks on the device (K = 20, by label) + KD from a logits bank."
    teacher, student, lm = teacher_student(); pairs = list(zip(range(1, len(lm) + 1), lm))
    dev = a.device; D = teacher.config.hidden_size
    mb = MemoryBank({l: torch.nn.functional.normalize(torch.randn(N, D), dim=-1).half().to(dev) for l in lm}, {'fingerprint': 'bench'})
    lb = LogitsBank(torch.randn(N, 3), {'fingerprint': 'bench'}).to(dev)
    terms = dict(ce=0.8, kd=(0.2, {'T': 1.0}))
    if infonce: terms['infonce'] = (1.0, {'bank': mb, 'pairs': pairs, 'tau': 0.07, 'kind': 'cls', 'proj': None})
    t = Timer(a.warmup)
    cbs = [t] + ([NegativeSamplerCB(enc.label, 20, True, 0)] if infonce else [])
    Learner(student, Batches(enc, a.batch_size, 'random', 0), Objective(**terms), OptimConfig(total_step=a.warmup + a.steps, lr=5e-5, warmup_step=10),
            cbs=cbs, device_id=0 if cuda else -1, precision='bf16' if cuda else 'no', compile=compile, cuda_graph=cuda_graph, teacher=lb).fit()
    return a.batch_size * a.steps / t.dt

def bank_build(write=True):
    "Memory-bank building: teacher forward over the split with all 12 layers' [CLS] normalised and copied to host fp16 (write) vs the forward alone."
    m = model().to(a.device)
    if cuda: m = m.to(torch.bfloat16)
    n = min(N, a.eval_batch * 8); e = head(enc, n)
    f = (lambda: bank_vectors(m, e, list(range(1, m.n_layers + 1)), 'cls', a.eval_batch, a.device)) if write else (lambda: predict(m, e, a.eval_batch, a.device, 'no'))
    f(); sync(); t0 = time.perf_counter(); f(); sync()
    return n / (time.perf_counter() - t0)

def rand_enc(n, seed=1):
    "`n` random sequences of --seq tokens (the batch-size search needs more rows than the timed variants)."
    r = np.random.default_rng(seed); x = r.integers(5, V, size=(n, a.seq)).astype(np.int32); x[:, 0] = 2; x[:, -1] = 3
    return Encoded(x.reshape(-1), np.arange(n + 1, dtype=np.int64) * a.seq, np.full(n, a.seq // 2, np.int16), r.integers(0, 3, n), f'bench-{n}', 0, a.seq)

def fits(run, bs):
    "Whether `run(bs)` completes without running out of GPU memory (memory freed either way)."
    try: run(bs); sync(); return True
    except torch.OutOfMemoryError: return False
    except RunStopped as e:      # the Learner reports a GPU out of memory as a stopped run, in one line for the user
        if 'out of memory on the GPU' in str(e): return False
        raise
    finally:
        gc.collect()
        if cuda: torch.cuda.empty_cache()

def largest_batch(run, lo=32, cap=16384, step=8):
    "Largest batch for which `run(bs)` fits in GPU memory: doubling from `lo` to the first failure, then bisection to a multiple of `step` (None if `lo` fails)."
    if not fits(run, lo): return None
    hi = 2 * lo
    while hi <= cap and fits(run, hi): lo, hi = hi, 2 * hi
    if hi > cap: return lo
    while hi - lo > step:
        mid = (lo + hi) // 2 // step * step
        if fits(run, mid): lo = mid
        else: hi = mid
    return lo

def teacher_updates(bs, n=3):
    "`n` teacher updates at batch `bs`, every sequence --seq long (kdnli eager, bf16 autocast, fused AdamW: the memory a user's run needs)."
    Learner(model(), Batches(rand_enc(bs * n), bs, 'random', 0), Objective(ce=1.0), OptimConfig(total_step=n, lr=3e-5, warmup_step=1),
            device_id=0 if cuda else -1, precision='bf16' if cuda else 'no').fit()

def layerwise_updates(bs, n=3, rows=392702):
    "`n` layer-wise contrastive updates at batch `bs` (6 student layers, K = 20 negatives by label, banks of MNLI's `rows` on the GPU, KD from a logits bank)."
    teacher, student, lm = teacher_student(); del teacher
    D = student.config.hidden_size
    e = rand_enc(bs * n)
    mb = MemoryBank({l: torch.nn.functional.normalize(torch.randn(rows, D, device=a.device), dim=-1).half() for l in lm}, {'fingerprint': 'bench'})
    lb = LogitsBank(torch.randn(rows, 3), {'fingerprint': 'bench'}).to(a.device)
    terms = dict(ce=0.8, kd=(0.2, {'T': 1.0}), infonce=(1.0, {'bank': mb, 'pairs': list(zip(range(1, len(lm) + 1), lm)), 'tau': 0.07, 'kind': 'cls', 'proj': None}))
    Learner(student, Batches(e, bs, 'random', 0), Objective(**terms), OptimConfig(total_step=n, lr=5e-5, warmup_step=1),
            cbs=[NegativeSamplerCB(e.label, 20, True, 0)], device_id=0 if cuda else -1, precision='bf16' if cuda else 'no', teacher=lb).fit()

variants = {
    'seed_style': seed_style,
    'hf_trainer': hf_trainer,
    'kdnli_eager': lambda: kdnli(),
    'kdnli_dynamic_len': lambda: kdnli(data=enc_dyn, multiple=16),
    'kdnli_compile': lambda: kdnli(compile=True),
    'kdnli_compile_model': lambda: kdnli(compile=True, compile_scope='model'),
    'kdnli_cuda_graph': lambda: kdnli(cuda_graph=True),
    'kdnli_compile_cuda_graph': lambda: kdnli(compile=True, cuda_graph=True),
    'kdnli_compile_model_cuda_graph': lambda: kdnli(compile=True, cuda_graph=True, compile_scope='model'),   # the whole model compiled (before 2026-11-27)
    'kdnli_cuda_graph_dynamic_len': lambda: kdnli(cuda_graph=True, data=enc_dyn, multiple=32, warmup=40),
    'kdnli_compile_cuda_graph_dynamic_len': lambda: kdnli(compile=True, cuda_graph=True, data=enc_dyn, multiple=32, warmup=40),
    'kdnli_compile_model_cuda_graph_dynamic_len': lambda: kdnli(compile=True, cuda_graph=True, data=enc_dyn, multiple=32, warmup=40, compile_scope='model'),
    'kdnli_dynamic_len_no_cudnn_sdpa': no_cudnn_sdpa(lambda: kdnli(data=enc_dyn, multiple=16, warmup=40)),
    'kdnli_compile_cuda_graph_no_cudnn_sdpa': no_cudnn_sdpa(lambda: kdnli(compile=True, cuda_graph=True)),
    'kdnli_compile_cuda_graph_dynamic_len16': lambda: kdnli(compile=True, cuda_graph=True, data=enc_dyn, multiple=16, warmup=60),
    'kdnli_compile_cuda_graph_dynamic_len_no_cudnn_sdpa': no_cudnn_sdpa(lambda: kdnli(compile=True, cuda_graph=True, data=enc_dyn, multiple=32, warmup=40)),
    'kdnli_compile_max_autotune': lambda: kdnli(compile=True, compile_mode='max-autotune'),
    'kdnli_compile_max_autotune_cuda_graph': lambda: kdnli(compile=True, cuda_graph=True, compile_mode='max-autotune'),
    'kdnli_compile_max_autotune_cuda_graph_dynamic_len': lambda: kdnli(compile=True, cuda_graph=True, data=enc_dyn, multiple=32, warmup=40, compile_mode='max-autotune'),
    'kdnli_eager_liger_layernorm': lambda: kdnli(liger=True),
    'kdnli_cuda_graph_liger_layernorm': lambda: kdnli(cuda_graph=True, liger=True),
    'distill_seed_style_live': lambda: distill_seed_style(True),
    'distill_seed_style_bank': lambda: distill_seed_style(False),
    'distill_live_eager': lambda: distill(True),
    'distill_bank_eager': lambda: distill(False),
    'distill_live_compile_cuda_graph': lambda: distill(True, True, True),
    'distill_live_compile_model_cuda_graph': lambda: distill(True, True, True, compile_scope='model'),
    'distill_live_compile_max_autotune_cuda_graph': lambda: distill(True, True, True, 'max-autotune'),
    'distill_bank_compile_cuda_graph': lambda: distill(False, True, True),
    'distill_pkd_live_eager': lambda: distill_pkd(False),
    'distill_pkd_banks_eager': lambda: distill_pkd(True),
    'distill_pkd_live_compile_cuda_graph': lambda: distill_pkd(False, True, True),
    'distill_pkd_banks_compile_cuda_graph': lambda: distill_pkd(True, True, True),
    'contrast_bank_kd_only_eager': lambda: contrast(infonce=False),
    'contrast_layerwise_eager': lambda: contrast(),
    'contrast_bank_kd_only_compile_cuda_graph': lambda: contrast(True, True, infonce=False),
    'contrast_layerwise_compile_cuda_graph': lambda: contrast(True, True),
    'membank_forward_only': lambda: bank_build(False),
    'membank_build_12_layers': lambda: bank_build(True),
    'eval_autocast_bf16': lambda: eval_speed(),
    'eval_bf16_weights_dynamic_len': lambda: eval_speed(torch.bfloat16 if cuda else None, data=enc_dyn),
    'eval_bf16_weights_no_cudnn_sdpa': no_cudnn_sdpa(lambda: eval_speed(torch.bfloat16 if cuda else None)),
    'eval_bf16_weights': lambda: eval_speed(torch.bfloat16 if cuda else None),
    'eval_bf16_weights_compile': lambda: eval_speed(torch.bfloat16 if cuda else None, compile=True),
}
if cuda or any(o.startswith('max_batch') for o in a.only.split(',')):   # the largest batch (sequences of --seq tokens) before the GPU runs out of memory: a batch size, not samples/s
    variants.update(max_batch_teacher=lambda: largest_batch(teacher_updates, cap=a.max_batch_cap),
                    max_batch_layerwise_contrast=lambda: largest_batch(layerwise_updates, cap=a.max_batch_cap))
if not cuda: [variants.pop(k) for k in list(variants) if 'cuda_graph' in k or 'liger' in k]   # CUDA graphs and Liger's Triton kernels need a GPU
only = [v for v in a.only.split(',') if v]
unknown = [v for v in only if v not in variants]
if unknown: sys.exit(f"--only: unknown variant(s) {', '.join(unknown)} (known here: {', '.join(variants)})")
for name in only or list(variants):   # in --only's order: a run cut by a time limit has measured what was named first
    f = variants[name]
    t0 = time.time()
    try: v = f(); res[name] = round(v, 1) if isinstance(v, float) else v
    except Exception as e:
        res[name] = f'failed: {type(e).__name__}: {str(e).splitlines()[0][:200]}'
        traceback.print_exc()
    print(f"{name}: {res[name]}{'' if name.startswith('max_batch') else ' samples/s'} ({time.time() - t0:.0f}s)", file=sys.stderr, flush=True)
    gc.collect()                 # a failed variant's tensors sit in reference cycles (its traceback's frames): free them before the next
    if cuda: torch.cuda.empty_cache()
    if a.out:   # after every variant: a run cut by a time limit keeps what it measured
        os.makedirs(os.path.dirname(a.out) or '.', exist_ok=True); json.dump(res, open(a.out, 'w'), indent=2)
for k in list(res):
    if k.startswith('kdnli') and isinstance(res[k], float):
        for base in ('seed_style', 'hf_trainer'):
            if isinstance(res.get(base), float): res[f'ratio_{k}_vs_{base}'] = round(res[k] / res[base], 2)
    if k == 'contrast_layerwise_eager' and isinstance(res.get('contrast_bank_kd_only_eager'), float) and isinstance(res[k], float):
        res['ratio_step_time_layerwise_vs_kd_bank_eager'] = round(res['contrast_bank_kd_only_eager'] / res[k], 2)
    if k == 'contrast_layerwise_compile_cuda_graph' and isinstance(res.get('contrast_bank_kd_only_compile_cuda_graph'), float) and isinstance(res[k], float):
        res['ratio_step_time_layerwise_vs_kd_bank_graph'] = round(res['contrast_bank_kd_only_compile_cuda_graph'] / res[k], 2)
    if k.startswith('distill_pkd_banks') and isinstance(res[k], float) and isinstance(res.get(k.replace('banks', 'live')), float):
        res[f'ratio_{k}_vs_live'] = round(res[k] / res[k.replace('banks', 'live')], 2)
    if k.startswith('distill_live') or k.startswith('distill_bank'):
        for base in ('distill_seed_style_live', 'distill_seed_style_bank'):
            if isinstance(res.get(base), float): res[f'ratio_{k}_vs_{base}'] = round(res[k] / res[base], 2)
print(json.dumps(res, indent=2))
if a.out:
    os.makedirs(os.path.dirname(a.out) or '.', exist_ok=True)
    json.dump(res, open(a.out, 'w'), indent=2)
