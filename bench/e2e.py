#!/usr/bin/env python
"""The seed's whole recipe on one GPU, end to end: kdnli's commands, and the same stages the seed's way, in one run.

  python bench/e2e.py --scale 8 --out bench/results/e2e.json      # GPU: BERT-base-shaped teacher, 1/8 of the seed's updates
  (on a lent machine: `python3 -u bench/e2e.py ... 2>&1 | grep --line-buffered -vi warn > $OUT/e2e.log`: a killed run keeps its log)
  python bench/e2e.py --tiny --out /tmp/e2e.json                  # CPU smoke run: tiny shapes, a few thousand rows

Data: synthetic NLI pairs of MNLI's size (392,702 training pairs, 9,815 + 9,832 dev pairs) whose WordPiece lengths follow
MNLI's (`bench/mnli_lengths.json`, measured on the real dev_matched rows): each premise gets neutral filler words until its
pair reaches a length drawn from that distribution. Teacher: BERT-base shape (12 layers, 768 wide, vocabulary 30,522), random
init (no weights can be downloaded on the lent machines), the built-in synthetic WordPiece tokenizer.

kdnli's way (the real commands through their Python API, the seed's flags, `--compile --cuda_graph --pad_multiple 32`):
teacher (36,816 updates of 32 / scale, a checkpoint every 3,000 / scale), evaluation of every teacher checkpoint on both dev
splits, logits bank and 12-layer [CLS] memory bank of the last checkpoint (bf16 weights), a 6-layer student with the seed's
PKD flags (49,088 updates / scale, live teacher, KD T=10 + hidden MSE mu=100 + CE), evaluation of every student checkpoint.
One lever beside it (`student_pkd_banks`, fewer updates, extrapolated the same way): the same student with patient KD on each
mapped layer's [CLS] (`--hidden_loss pkd`, Sun et al.) read from the memory bank and KD from the logits bank, so the teacher
is never run (`--membank auto --logits_bank auto`); a different hidden loss than the seed's full-sequence MSE, so it is
reported as an option, not as the seed's recipe.
A scaled stage is extrapolated to the seed's update count as fixed cost + updates / steady rate (the median samples/s of its
log windows); the checkpoint count is the same at every scale.

The seed's way (fp32 weights, fp16 autocast + GradScaler, eager attention, plain AdamW, every batch tokenized in the loop and
padded to 128, `.item()` every step, torch.save checkpoints): each stage's step timed on a few hundred updates or batches in
the same run and extrapolated the same way. Peak GPU memory is recorded per stage. Writes a JSON record after every stage."""
import argparse, json, os, shutil, sys, time, traceback
from pathlib import Path
import numpy as np, torch
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault('TOKENIZERS_PARALLELISM', 'true')

p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
p.add_argument('--scale', type=int, default=8, help='divide the seed update counts (and checkpoint intervals) by this')
p.add_argument('--tiny', action='store_true', help='CPU smoke run: tiny model shapes, 3,000 training rows')
p.add_argument('--work', default='/tmp/kdnli-e2e', help='scratch folder (data, runs, cache); removed first')
p.add_argument('--seed_steps', type=int, default=150, help='timed updates of each seed-way training step')
p.add_argument('--only', default='', help='comma list of parts: seed,kdnli (default both)')
p.add_argument('--skip', default='', help='comma list of kdnli stages to leave out: teacher_eval,logits_bank,memory_bank,student_eval,student_pkd_banks')
p.add_argument('--lever_scale', type=int, default=4, help='student_pkd_banks runs the student updates / (scale x this), enough for its steady rate')
p.add_argument('--compile_scope', default='layers', choices=['layers', 'model'], help="kdnli's --compile_scope on a GPU (runs 1-3 compiled the whole model)")
p.add_argument('--out', default='', help='write the JSON record here (after every stage)')
a = p.parse_args()
cuda = torch.cuda.is_available() and not a.tiny
dev = 'cuda' if cuda else 'cpu'
W = Path(a.work); shutil.rmtree(W, ignore_errors=True); W.mkdir(parents=True)
os.environ['KDNLI_CACHE'] = str(W/'cache')

from transformers import AutoTokenizer, BertConfig, BertModel, get_linear_schedule_with_warmup
import transformers
from kdnli.data import synthetic_split, write_split
from kdnli.models import Experiment, load_tokenizer, tiny_tokenizer_dir
from kdnli.trainers import DistillConfig, FineTuneConfig, distill, fine_tune
from kdnli.eval import evaluate_splits
from kdnli.membank import build_logits_bank, build_memory_bank
from kdnli.learner import param_groups

SEED = dict(teacher_steps=36816, teacher_ckpt=3000, teacher_warmup=10000, student_steps=49088, student_ckpt=12272, student_warmup=4908,
            n_train=392702, n_dm=9815, n_dmm=9832, batch=32, eval_batch=512, seq=128)
if a.tiny: SEED.update(n_train=3000, n_dm=300, n_dmm=300)
S = a.scale
SHAPE = dict(hidden_size=128, num_hidden_layers=4, num_attention_heads=2, intermediate_size=512) if a.tiny else \
        dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072)
LS = SHAPE['num_hidden_layers'] // 2                # student depth: 6 for the BERT-base teacher (the seed's), its even layers
res = {'date': time.strftime('%Y-%m-%d %H:%M'), 'device': torch.cuda.get_device_name() if cuda else f'cpu x{torch.get_num_threads()}',
       'torch': torch.__version__, 'transformers': transformers.__version__, 'scale': S, 'tiny': a.tiny, 'compile_scope': a.compile_scope, 'seed_recipe': SEED, 'stages': {}, 'seed_way': {}}

def save():
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps(res, indent=1))

def sync():
    if cuda: torch.cuda.synchronize()

class stage:
    "Time a block (wall-clock, GPU synchronised) and record its peak GPU memory under res[group][name]."
    def __init__(self, name, group='stages', **extra): self.name, self.group, self.extra = name, group, extra
    def __enter__(self):
        print(f'== {self.group}/{self.name}', file=sys.stderr, flush=True)
        res[self.group].setdefault(self.name, {})
        if cuda: torch.cuda.empty_cache(); torch.cuda.reset_peak_memory_stats()
        sync(); self.t0 = time.perf_counter(); return self
    def __exit__(self, et, ev, tb):
        sync(); dt = time.perf_counter() - self.t0
        rec = res[self.group].setdefault(self.name, {})
        rec.update(wall_s=round(dt, 2), **self.extra)
        if cuda: rec['peak_gpu_gib'] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
        if et: rec['failed'] = f'{et.__name__}: {str(ev).splitlines()[0][:300] if str(ev) else ""}'; traceback.print_exception(et, ev, tb)
        print(f'   {self.name}: {rec}', file=sys.stderr, flush=True); save()
        return True   # a failed stage is recorded; the run goes on

# ---------------------------------------------------------------- data: MNLI's size and length distribution
FILLER = 'meanwhile the rain kept falling over the quiet old town while people went about their day as usual and nobody said much'.split()
tok_dir = Path(tiny_tokenizer_dir())

def mnli_like(n, name, mismatched, rng):
    sp = synthetic_split(n, 0, mismatched, name)
    q = json.loads((Path(__file__).parent/'mnli_lengths.json').read_text())['percentiles_0_to_100_step_2']
    target = np.interp(rng.random(len(sp)) * 100, np.arange(0, 101, 2), q)
    tok = AutoTokenizer.from_pretrained(str(tok_dir))
    k = min(len(sp), 2000)
    base = np.array([len(x) for x in tok(sp.premise[:k], sp.hypothesis[:k])['input_ids']])
    words = np.array([len(p_.split()) + len(h.split()) for p_, h in zip(sp.premise, sp.hypothesis)])
    r = base.mean() / words[:k].mean() if k else 1.0                                   # WordPieces per word, text and specials
    fw = len(tok(' '.join(FILLER * 4), add_special_tokens=False)['input_ids']) / (4 * len(FILLER))   # WordPieces per filler word
    n_fill = np.maximum(0, np.round((target - words * r) / fw)).astype(int)
    sp.premise = [p_ if m == 0 else p_ + ' , ' + ' '.join((FILLER * (m // len(FILLER) + 1))[:m]) for p_, m in zip(sp.premise, n_fill)]
    return sp

data = W/'data'; runs = W/'runs'; base_dir = W/'bert-base-random'
if 'kdnli' in (a.only or 'kdnli'):
    with stage('data', note='write the synthetic MNLI-size splits as jsonl (not part of the seed recipe; no stage of the comparison)'):
        rng = np.random.default_rng(0)
        for name, n, mm in [('train', SEED['n_train'], False), ('dev_matched', SEED['n_dm'], False), ('dev_mismatched', SEED['n_dmm'], True)]:
            write_split(mnli_like(n, name, mm, rng), data/f'{name}.jsonl')
with stage('model_folder', note='random-init BERT-base-shaped encoder + the synthetic tokenizer saved as a transformers folder'):
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=30522 if not a.tiny else 1024, max_position_embeddings=512, type_vocab_size=2, **SHAPE)
    BertModel(cfg).save_pretrained(base_dir)
    load_tokenizer(str(tok_dir)).save_pretrained(base_dir)

# ---------------------------------------------------------------- the seed's way, per step, extrapolated
def seed_batches(sp, tok, bs):
    "The seed tokenized inside the loop: every batch padded to max_seq_len. Yields (inputs on the device, labels, the texts)."
    i = 0
    while True:
        j = np.arange(i, i + bs) % len(sp); i += bs
        texts = ([sp.premise[t] for t in j], [sp.hypothesis[t] for t in j])
        yield seed_tokenize(tok, texts), torch.as_tensor(sp.label[j]).to(dev), texts

def seed_tokenize(tok, texts):
    b = tok(*texts, padding='max_length', truncation=True, max_length=SEED['seq'], return_tensors='pt')
    return {k: v.to(dev) for k, v in b.items()}

def seed_model(layers=None):
    "The seed's model: eager attention, fp32 weights; the teacher from the folder, or a `layers`-deep student of its shape."
    from transformers import BertForSequenceClassification
    if not layers: return BertForSequenceClassification.from_pretrained(base_dir, num_labels=3, attn_implementation='eager')
    return BertForSequenceClassification._from_config(BertConfig.from_pretrained(base_dir, num_labels=3, num_hidden_layers=layers), attn_implementation='eager')

def seed_train(sp, tok, student=False, steps=None, warm=20):
    "Updates/s of the seed's teacher step (CE) or its PKD step (live fp32 teacher with hidden states, KD T=10, hidden MSE mu=100)."
    steps = steps or a.seed_steps
    teacher = seed_model().to(dev).eval() if student else None
    m = (seed_model(LS) if student else seed_model()).to(dev).train()
    opt = torch.optim.AdamW(param_groups(m, 0.01), lr=5e-5 if student else 3e-5, foreach=False)
    sch = get_linear_schedule_with_warmup(opt, 10, 10 ** 6)
    scaler = torch.amp.GradScaler('cuda', enabled=cuda)
    st = seed_batches(sp, tok, SEED['batch'])
    F = torch.nn.functional
    for s in range(warm + steps):
        if s == warm: sync(); t0 = time.perf_counter()
        x, y, texts = next(st)
        if student:
            x2 = seed_tokenize(tok, texts)   # the seed tokenized the same texts a second time, with the student's tokenizer
            with torch.no_grad(): to = teacher(**x, output_hidden_states=True)
        with torch.autocast(device_type='cuda' if cuda else 'cpu', dtype=torch.float16, enabled=cuda):
            so = m(**(x2 if student else x), output_hidden_states=student)
            loss = F.cross_entropy(so.logits.float(), y)
            if student:
                T = 10.0
                loss = 0.8 * loss + 0.5 * F.kl_div(F.log_softmax(so.logits.float() / T, -1), F.softmax(to.logits.float() / T, -1), reduction='batchmean') * T * T
                loss = loss + sum(100 * F.mse_loss(so.hidden_states[j].float(), to.hidden_states[2 * j].float()) for j in range(1, LS + 1))
        scaler.scale(loss).backward(); scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        scaler.step(opt); scaler.update(); sch.step(); opt.zero_grad()
        loss.item()
    sync(); return SEED['batch'] * steps / (time.perf_counter() - t0)

@torch.no_grad()
def seed_eval(sp, tok, layers=None, bank=False, batches=6):
    "Rows/s of the seed's evaluation loop (fp16 autocast, batch 512 padded to 128, tokenized per batch); with `bank`, all 12 layers' [CLS] normalised and index-copied into fp32 banks on the GPU."
    m = seed_model(layers).to(dev)
    st = seed_batches(sp, tok, SEED['eval_batch'])
    banks = [torch.zeros(m.config.hidden_size, SEED['eval_batch'] * (batches + 1), device=dev) for _ in range(m.config.num_hidden_layers)] if bank else None
    for s in range(batches + 1):
        if s == 1: sync(); t0 = time.perf_counter()
        x, y, _ = next(st)
        with torch.autocast(device_type='cuda' if cuda else 'cpu', dtype=torch.float16, enabled=cuda):
            o = m(**x, output_hidden_states=bank)
        if bank:
            idx = torch.arange(s * len(y), (s + 1) * len(y), device=dev)
            for l in range(m.config.num_hidden_layers):
                banks[l].index_copy_(1, idx, torch.nn.functional.normalize(o.hidden_states[l + 1][:, 0].float(), dim=-1).T)
        (o.logits.argmax(-1) == y).sum().item()
    sync(); return SEED['eval_batch'] * batches / (time.perf_counter() - t0)

def seed_io(layers=None):
    "Seconds to torch.save and torch.load one checkpoint (fp32 state dict, as the seed's model-{step}.pt)."
    m = seed_model(layers); f = W/'seed_ckpt.pt'
    t0 = time.perf_counter(); torch.save(m.state_dict(), f); os.sync(); ts = time.perf_counter() - t0
    t0 = time.perf_counter(); m.load_state_dict(torch.load(f, map_location=dev)); sync(); tl = time.perf_counter() - t0
    f.unlink(); return ts, tl

def seed_bank_save(gb=1.0):
    "Seconds per GB of torch.save for an fp32 bank tensor (the seed saved 12 banks of 768 x N fp32)."
    t = torch.randn(int(gb * 2**30 / 4) // 768, 768); f = W/'bank.pt'
    t0 = time.perf_counter(); torch.save(t, f); os.sync(); dt = time.perf_counter() - t0
    f.unlink(); return dt / gb

if 'seed' in (a.only or 'seed'):
    sp_seed = mnli_like(SEED['batch'] * (a.seed_steps + 40) + SEED['eval_batch'] * 8, 'train', False, np.random.default_rng(1))
    tok = AutoTokenizer.from_pretrained(str(base_dir))
    sw = res['seed_way']
    with stage('teacher_step', 'seed_way'): sw['teacher_step']['samples_per_s'] = round(seed_train(sp_seed, tok), 1)
    with stage('pkd_step', 'seed_way'): sw['pkd_step']['samples_per_s'] = round(seed_train(sp_seed, tok, student=True), 1)
    with stage('eval_teacher', 'seed_way'): sw['eval_teacher']['rows_per_s'] = round(seed_eval(sp_seed, tok), 1)
    with stage('eval_student', 'seed_way'): sw['eval_student']['rows_per_s'] = round(seed_eval(sp_seed, tok, layers=LS), 1)
    with stage('membank_rows', 'seed_way'): sw['membank_rows']['rows_per_s'] = round(seed_eval(sp_seed, tok, bank=True, batches=4), 1)
    with stage('checkpoint_io', 'seed_way'):
        ts, tl = seed_io(); ss, sl = seed_io(LS)
        sw['checkpoint_io'].update(teacher_save_s=round(ts, 2), teacher_load_s=round(tl, 2), student_save_s=round(ss, 2), student_load_s=round(sl, 2),
                                   bank_save_s_per_gb=round(seed_bank_save(0.25 if a.tiny else 1.0), 2))
    try:   # the seed's recipe, stage by stage, from those rates
        io = sw['checkpoint_io']; n_dev = SEED['n_dm'] + SEED['n_dmm']; L = SHAPE['num_hidden_layers']; D = SHAPE['hidden_size']
        n_tck = -(-SEED['teacher_steps'] // SEED['teacher_ckpt']); n_sck = -(-SEED['student_steps'] // SEED['student_ckpt'])
        est = {'teacher': SEED['teacher_steps'] * SEED['batch'] / sw['teacher_step']['samples_per_s'] + n_tck * io['teacher_save_s'],
               'teacher_eval': n_tck * (n_dev / sw['eval_teacher']['rows_per_s'] + 2 * io['teacher_load_s']),
               'logits_bank': SEED['n_train'] / sw['eval_teacher']['rows_per_s'] + io['teacher_load_s'],
               'memory_bank': SEED['n_train'] / sw['membank_rows']['rows_per_s'] + L * D * SEED['n_train'] * 4 / 1e9 * io['bank_save_s_per_gb'],
               'student': SEED['student_steps'] * SEED['batch'] / sw['pkd_step']['samples_per_s'] + n_sck * io['student_save_s'],
               'student_eval': n_sck * (n_dev / sw['eval_student']['rows_per_s'] + 2 * io['student_load_s'])}
        sw['recipe_estimate_s'] = {k: round(v, 1) for k, v in est.items()}
        sw['recipe_estimate_total_s'] = round(sum(est.values()), 1)
    except Exception as e: sw['recipe_estimate_failed'] = repr(e)
    save()

# ---------------------------------------------------------------- kdnli's way: the real commands, scaled, extrapolated
def steady(E):
    "Median samples/s of the run's log windows (compile, graph capture and checkpoint writes fall in the few slow ones)."
    rates = [json.loads(l)['samples_per_s'] for l in (E.path/'log.jsonl').read_text().splitlines() if l.strip()]
    return float(np.median(rates)) if rates else float('nan')

def extrapolate(rec, E, steps_run, steps_full):
    r = steady(E); rec['steady_samples_per_s'] = round(r, 1)
    fixed = rec['wall_s'] - steps_run * SEED['batch'] / r
    rec['fixed_s'] = round(fixed, 1); rec['full_scale_estimate_s'] = round(fixed + steps_full * SEED['batch'] / r, 1)
    rec['log'] = [json.loads(l) for l in (E.path/'log.jsonl').read_text().splitlines() if l.strip()]
    save()

def train_stage(name, run, E, steps, steps_full, **extra):
    "A training stage with kdnli's GPU flags; after a failure (recorded) the same run eager, so the stage is still measured."
    with stage(name, updates=steps, **extra): run(**GPU)
    if 'failed' in st[name] and cuda:
        st[f'{name}_compiled_failed'] = st.pop(name)
        with stage(name, updates=steps, fallback='eager after a failure with --compile --cuda_graph'): run(**{**GPU, 'compile': False, 'cuda_graph': False, 'compile_scope': 'layers', 'overwrite': True})
    if 'failed' not in st[name]: extrapolate(st[name], E, steps, steps_full)

def eval_stage(name, E):
    "Every checkpoint of `E` on both dev splits, then their accuracies into the record."
    if name in a.skip.split(','): return
    with stage(name):
        evaluate_splits(E.path, ['dev_matched', 'dev_mismatched'], 512, GPU['device_id'], progress=False)   # each checkpoint loaded once
        st[name]['checkpoints'] = len(E.checkpoints())
    accuracies(E, st[name])

def accuracies(E, rec):
    "The accuracy of every checkpoint on both dev splits, from the result files the eval wrote."
    for ds in ('dev_matched', 'dev_mismatched'):
        f = E.path/f'eval_{ds}.json'
        if f.exists():
            j = json.loads(f.read_text())
            rec[ds] = {'best': j.get('best'), 'accuracy_by_ckpt': {k: round(v['accuracy'], 4) for k, v in sorted(j['checkpoints'].items(), key=lambda kv: int(kv[0]))}}
    save()

st = res['stages']
GPU = dict(compile=cuda, cuda_graph=cuda, pad_multiple=32, no_progress=True, device_id=0 if cuda else -1, compile_scope=a.compile_scope if cuda else 'layers')
if 'kdnli' in (a.only or 'kdnli'):
    tsteps, ssteps = SEED['teacher_steps'] // S, SEED['student_steps'] // S
    with stage('tokenize', note='read + tokenize the three splits into the cache (the teacher stage reuses it)'):
        from kdnli.data import encode_split
        tk = load_tokenizer(str(base_dir))
        for name in ('train', 'dev_matched', 'dev_mismatched'):
            sp_, enc_ = encode_split(str(data), name, tk, SEED['seq'], progress=False)
            if name == 'train':
                lens = np.diff(enc_.offsets); st['tokenize'].update(train_rows=len(sp_), mean_wordpieces=round(float(lens.mean()), 2),
                                                                   median_wordpieces=float(np.median(lens)), mnli_mean_wordpieces=39.05)
    T = Experiment.at(runs, 'bert_base_teacher', 'bert', 'mnli')
    def teacher(**gpu):
        fine_tune(FineTuneConfig(experiment='bert_base_teacher', model='bert', ptrain_ver=str(base_dir), task='mnli', dataset='train', num_class=3,
                                 data_dir=str(data), runs_dir=str(runs), accum_step=1, batch_size=32, beta1=0.9, beta2=0.999, ckpt_step=SEED['teacher_ckpt'] // S,
                                 dropout=0.1, eps=1e-8, log_step=max(1, 500 // S), lr=3e-5, max_norm=1.0, max_seq_len=128, seed=42, total_step=tsteps,
                                 warmup_step=SEED['teacher_warmup'] // S, weight_decay=0.01, **gpu))
    train_stage('teacher', teacher, T, tsteps, SEED['teacher_steps'])
    eval_stage('teacher_eval', T)
    if 'logits_bank' not in a.skip.split(','):
     with stage('logits_bank', rows=SEED['n_train']):
        build_logits_bank(T.path, tsteps, 'train', 512, GPU['device_id'], precision='bf16' if cuda else 'no', progress=False)
    if 'memory_bank' not in a.skip.split(','):
     with stage('memory_bank', rows=SEED['n_train'], layers=SHAPE['num_hidden_layers']):
        build_memory_bank(T.path, tsteps, 'train', 'cls', layer_wise=True, batch_size=512, device_id=GPU['device_id'], precision='bf16' if cuda else 'no', progress=False)
        st['memory_bank']['bytes_on_disk'] = sum(f.stat().st_size for f in T.path.glob('membank*'))
    P = Experiment.at(runs, 'PKD', 'bert', 'mnli')
    seed_pkd = dict(teacher_exp='bert_base_teacher', tmodel='bert', tckpt=tsteps, experiment='PKD', model='bert', task='mnli', runs_dir=str(runs),
                    accum_step=1, batch_size=32, beta1=0.9, beta2=0.999, ckpt_step=SEED['student_ckpt'] // S, d_ff=SHAPE['intermediate_size'],
                    d_model=SHAPE['hidden_size'], dropout=0.1, eps=1e-8, log_step=max(1, 500 // S), lr=5e-5, max_norm=1.0,
                    num_attention_heads=SHAPE['num_attention_heads'], num_hidden_layers=LS, total_step=ssteps, type_vocab_size=2,
                    warmup_step=SEED['student_warmup'] // S, weight_decay=0.01, tdevice_id=GPU['device_id'], mu=100, use_hidden_loss=True,
                    softmax_temp=10, soft_weight=0.5, use_classify_loss=True, cls_steps=0, ce_weight=1, scl_temp=1)   # the seed's PKD command
    def student(**gpu): distill(DistillConfig(**seed_pkd, **gpu))
    train_stage('student', student, P, ssteps, SEED['student_steps'],
                flags='the seed PKD command: 6 layers, T=10, soft 0.5, mu 100, --use_hidden_loss --use_classify_loss, live teacher')
    eval_stage('student_eval', P)
    if not {'student_pkd_banks', 'logits_bank', 'memory_bank'} & set(a.skip.split(',')):
        lsteps = max(1, ssteps // a.lever_scale)
        Pb = Experiment.at(runs, 'PKD_banks', 'bert', 'mnli')
        def student_banks(**gpu):   # the same student with patient KD on [CLS], both halves of the teacher read from its banks
            distill(DistillConfig(**{**seed_pkd, 'experiment': 'PKD_banks', 'ckpt_step': lsteps, 'total_step': lsteps, 'hidden_loss': 'pkd',
                                     'membank': 'auto', 'logits_bank': 'auto', **gpu}))
        train_stage('student_pkd_banks', student_banks, Pb, lsteps, SEED['student_steps'],
                    flags='lever: the same student, patient KD on [CLS] from the memory bank + KD from the logits bank (no teacher forward), one checkpoint')
    order = ['tokenize', 'teacher', 'teacher_eval', 'logits_bank', 'memory_bank', 'student', 'student_eval']
    res['kdnli_scaled_total_s'] = round(sum(st[k]['wall_s'] for k in order if k in st), 1)
    res['kdnli_full_scale_estimate_s'] = round(sum(st[k].get('full_scale_estimate_s', st[k]['wall_s']) for k in order if k in st), 1)
    sw = res['seed_way']
    if 'recipe_estimate_total_s' in sw:
        res['speedup_full_recipe_vs_seed_way'] = round(sw['recipe_estimate_total_s'] / res['kdnli_full_scale_estimate_s'], 2)
        res['speedup_by_stage'] = {k: round(sw['recipe_estimate_s'][k] / st[k].get('full_scale_estimate_s', st[k]['wall_s']), 2)
                                   for k in sw['recipe_estimate_s'] if k in st}
    if 'full_scale_estimate_s' in st.get('student_pkd_banks', {}) and 'student' in st:   # the recipe with patient KD from the banks instead
        res['kdnli_full_scale_estimate_pkd_banks_s'] = round(res['kdnli_full_scale_estimate_s'] - st['student'].get('full_scale_estimate_s', st['student']['wall_s'])
                                                             + st['student_pkd_banks']['full_scale_estimate_s'], 1)
    save()
print(json.dumps(res, indent=1))
