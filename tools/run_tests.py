#!/usr/bin/env python
"""Run every notebook as a test suite: library notebooks through nbdev's test runner, experiment notebooks through
papermill with their smoke-run defaults. Checks first that `kdnli/` matches the notebooks. Ends with `N passed, N failed`.

Usage: python tools/run_tests.py [NOTEBOOK ... | docs] [--slow] [--all] [--gpu] [--no-export-check] [--jobs N]
Also checks the house rule (no module or numbered notebook imports a later room, at any depth) and builds the offline docs
site (tools/build_docs.py), checking that every page renders and every link resolves.
--slow (or KDNLI_SLOW=1) also runs cells flagged `#| slow`; --all also the long `#| notest` experiments (minutes each);
--gpu also the `#| gpu` cells (on a CUDA machine; CUDA_VISIBLE_DEVICES is left as it is).
--jobs N (or KDNLI_TEST_JOBS) runs N notebooks side by side (default: min(4, cores); 1 runs them one after another as
before). Side by side, each notebook's torch gets cores // N threads (OMP_NUM_THREADS), so they share the cores instead of
spinning against each other (more than the cores is slower: 3 on 2 cores took 36 min 48 s against 30 min 43 s for 2);
the longest notebooks (by runs/tests/times.json, else tools/test_times.json) start first, and
each notebook's output is printed when it ends (in full when it fails). The docs build runs last, on what the tests executed.
Each notebook that passes is kept with its outputs in runs/tests/executed/ (stamped with its source's md5), so the docs build
shows every cell's output and figure without running the notebooks a second time.
Every test runs with its own temporary folder ($TMPDIR), removed afterwards: what a library notebook leaves there (torch's
own compile and launcher caches and onnxruntime's session file aside) fails it, since tests clean up what they create."""
import getpass, hashlib, json, os, shutil, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'
ENV = {**os.environ, 'HF_HUB_OFFLINE': '1', 'TRANSFORMERS_OFFLINE': '1', 'CUDA_VISIBLE_DEVICES': '', 'TOKENIZERS_PARALLELISM': 'false',
       'PYTHONWARNINGS': 'ignore', 'MPLBACKEND': 'Agg'}
ENV.setdefault('TORCHINDUCTOR_CACHE_DIR', os.path.join(tempfile.gettempdir(), 'torchinductor_' + getpass.getuser()))  # torch's default, kept across tests

def export_check():
    "Fail when nbdev_export changes kdnli/ (the package must be what the notebooks say)."
    subprocess.run([sys.executable, '-c', 'from nbdev.doclinks import nbdev_export; nbdev_export()'], cwd=ROOT, check=True, env=ENV)
    if not (ROOT/'.git').exists(): return True
    changed = subprocess.run(['git', 'diff', '--name-only', '--', 'kdnli'], cwd=ROOT, capture_output=True, text=True).stdout
    changed += subprocess.run(['git', 'ls-files', '--others', '--exclude-standard', '--', 'kdnli'], cwd=ROOT, capture_output=True, text=True).stdout
    if changed.strip():
        print("FAIL kdnli/ does not match the notebooks; run nbdev_export and commit:\n" + changed, flush=True)
        return False
    print("ok   kdnli/ matches the notebooks", flush=True)
    return True

def rooms_check():
    "Fail when a module of kdnli/ or a numbered notebook imports a module of a later room (kdnli.testing.room_violations)."
    r = subprocess.run([sys.executable, '-c', 'from kdnli.testing import room_violations; print("\\n".join(room_violations(".")))'],
                       cwd=ROOT, env=ENV, capture_output=True, text=True)
    bad = r.stdout.strip()
    if r.returncode or bad: print("FAIL rooms: imports of a later room:\n" + (bad or r.stderr[-3000:]), flush=True); return False
    print("ok   rooms: every module and notebook imports only earlier rooms", flush=True)
    return True

EXECUTED = ROOT/'runs'/'tests'/'executed'

def executed_path(nb):
    "Where the executed copy of notebook `nb` is kept: runs/tests/executed/<path under nbs/>."
    return EXECUTED/Path(nb).resolve().relative_to(NBS)

def source_md5(nb): return hashlib.md5(Path(nb).read_bytes()).hexdigest()

def _stamp(nb, d, skip):
    "Record which source (md5) and which skipped flags an executed notebook `d` (a dict) came from."
    d.setdefault('metadata', {})['kdnli_executed'] = {'source_md5': source_md5(nb), 'skipped': sorted(skip)}
    return d

def run_library_nb(nb, env, slow, everything=False, gpu=False):
    "nbdev's test_nb on `nb` in environment `env`; returns (passed, its output). When it passes, the executed notebook (outputs and figures) is kept for the docs build."
    skip = [f for f in (['gpu'] if everything else ['notest', 'gpu'] + ([] if slow else ['slow'])) if not (gpu and f == 'gpu')]
    out = executed_path(nb)
    out.parent.mkdir(parents=True, exist_ok=True)
    code = f"""import json, os, sys
sys.path.insert(0, {str(ROOT/'tools')!r})
from pathlib import Path
import execnb.shell as S
from execnb.nbio import nb2dict
from nbdev.test import test_nb
from run_tests import _stamp
seen, run_all = {{}}, S.CaptureShell.run_all
def keep(self, nb, *a, **k): seen['nb'] = nb; return run_all(self, nb, *a, **k)
S.CaptureShell.run_all = keep                      # test_nb's own run, its notebook kept: nothing runs twice
ok, _ = test_nb(Path({str(nb)!r}), skip_flags={skip!r})
if ok and 'nb' in seen:
    tmp = Path({str(out)!r} + '.tmp')
    tmp.write_text(json.dumps(_stamp({str(nb)!r}, nb2dict(seen['nb']), {skip!r})))
    os.replace(tmp, {str(out)!r})
sys.exit(0 if ok else 1)"""
    env = {k: v for k, v in env.items() if not (gpu and k == 'CUDA_VISIBLE_DEVICES')}
    if out.exists(): out.unlink()                     # a failed run leaves no copy that looks current
    r = subprocess.run([sys.executable, '-c', code], cwd=nb.parent, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return r.returncode == 0, r.stdout

def run_experiment_nb(nb, env):
    "papermill with the notebook's own (smoke-run) defaults in environment `env`; returns (passed, its output). The executed notebook is kept for the docs build."
    out = executed_path(nb)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + '.tmp.ipynb')
    cmd = [sys.executable, '-m', 'papermill', str(nb), str(tmp), '--cwd', str(nb.parent), '-k', 'python3', '--no-progress-bar', '--log-level', 'ERROR']
    if out.exists(): out.unlink()
    r = subprocess.run(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if r.returncode: tmp.unlink(missing_ok=True)
    else: tmp.write_text(json.dumps(_stamp(nb, json.loads(tmp.read_text()), []))); os.replace(tmp, out)
    return r.returncode == 0, (r.stdout[-5000:] + '\n' + r.stderr[-5000:]) if r.returncode else ''

def run_docs():
    "Build the offline documentation site into a temporary folder: every page must render and every link resolve."
    import tempfile
    with tempfile.TemporaryDirectory() as d:                          # its $TMPDIR too: what the libraries leave goes with it
        r = subprocess.run([sys.executable, str(ROOT/'tools'/'build_docs.py'), '--out', str(Path(d)/'site')], cwd=ROOT, env={**ENV, 'TMPDIR': d}, capture_output=True, text=True)
    print(r.stdout[-3000:] if r.returncode else '', r.stderr[-3000:] if r.returncode else '', sep='', end='')
    return r.returncode == 0

LIBRARIES_OWN = ('torchinductor_', 'torchelastic_', 'triton', '.ses')   # torch's caches, torchrun's log folders, onnxruntime's session id: not a test's to remove

def left_behind(tmp):
    "What a test left in its temporary folder `tmp`, the libraries' own files aside."
    return sorted(n for n in os.listdir(tmp) if not n.startswith(LIBRARIES_OWN))

def run_in_scratch(nb, run, threads=None):
    "Run `run(env)` with $TMPDIR a fresh folder that is removed afterwards (and torch's threads set when `threads`); a library notebook that leaves files there fails. Returns (passed, output)."
    tmp = tempfile.mkdtemp(prefix='kdnli-test-')
    env = {**ENV, 'TMPDIR': tmp, **({'OMP_NUM_THREADS': str(threads), 'MKL_NUM_THREADS': str(threads)} if threads else {})}
    try:
        ok, out = run(env)
        left = left_behind(tmp)
        if ok and left and nb.parent.name != 'experiments':   # an experiment's default is a temporary runs folder, by design
            out += f"\nFAIL {nb.relative_to(ROOT)} left in its temporary folder: {', '.join(left[:8])}"; ok = False
        return ok, out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

TIMES = ROOT/'runs'/'tests'/'times.json'

def expected_times():
    "Seconds each notebook took when last timed (this machine's runs/tests/times.json, else the committed tools/test_times.json)."
    for f in (TIMES, ROOT/'tools'/'test_times.json'):
        try: return json.loads(f.read_text())
        except (OSError, ValueError): pass
    return {}

def run_all(nbs, run, jobs):
    "Run `run(nb, threads)` for every notebook, `jobs` at a time, the longest expected first; print each result as it ends. Returns {notebook: (passed, seconds)}."
    import concurrent.futures as cf
    times, threads = expected_times(), (max(1, (os.cpu_count() or 1) // jobs) if jobs > 1 else None)
    order = sorted(nbs, key=lambda n: -times.get(str(n.relative_to(ROOT)), 1e9))   # a notebook never timed may be long: it goes first
    def one(nb):
        t0 = time.time(); ok, out = run(nb, threads)
        return nb, ok, out, time.time() - t0
    results = {}
    with cf.ThreadPoolExecutor(jobs) as pool:
        for f in cf.as_completed([pool.submit(one, nb) for nb in order]):
            nb, ok, out, dt = f.result()
            if out.strip() and (not ok or jobs == 1): print(out.rstrip()[-20000:], flush=True)
            print(f"{'ok  ' if ok else 'FAIL'} {nb.relative_to(ROOT)} ({dt:.0f}s)", flush=True)
            results[nb] = ok, dt
    return results

def main(argv):
    jobs = os.environ.get('KDNLI_TEST_JOBS') or min(4, os.cpu_count() or 1)
    for i, a in enumerate(argv):                       # --jobs N or --jobs=N
        if a == '--jobs' and i + 1 < len(argv): jobs, argv = argv[i + 1], argv[:i] + argv[i + 2:]; break
        if a.startswith('--jobs='): jobs, argv = a.split('=', 1)[1], argv[:i] + argv[i + 1:]; break
    if not str(jobs).isdigit() or int(jobs) < 1: print(f"--jobs {jobs}: must be a whole number of at least 1", file=sys.stderr); return 2
    jobs = int(jobs)
    slow = '--slow' in argv or os.environ.get('KDNLI_SLOW') == '1'
    picked = [a for a in argv if not a.startswith('--')]
    nbs = sorted(NBS.glob('*.ipynb')) + sorted((NBS/'experiments').glob('*.ipynb'))
    if picked: nbs = [n for n in nbs if any(p in str(n) for p in picked)]
    passed, failed = 0, 0
    if '--no-export-check' not in argv:
        for check in (export_check, rooms_check):
            if check(): passed += 1
            else: failed += 1
    jobs = max(1, min(jobs, len(nbs) or 1))
    if jobs > 1:                                       # the shared caches (the built-in tokenizer) are built once, before notebooks race for them
        subprocess.run([sys.executable, '-c', 'from kdnli.models import tiny_tokenizer_dir; tiny_tokenizer_dir()'], cwd=ROOT, env=ENV, check=True)
    def run(nb, threads):
        return run_in_scratch(nb, lambda env: run_experiment_nb(nb, env) if nb.parent.name == 'experiments'
                              else run_library_nb(nb, env, slow, '--all' in argv, '--gpu' in argv), threads)
    t0 = time.time()
    results = run_all(nbs, run, jobs)
    if nbs: print(f"notebooks: {time.time() - t0:.0f}s, {jobs} at a time", flush=True)
    for ok, _ in results.values(): passed, failed = passed + ok, failed + (not ok)
    if results:                                         # this machine's times, for the next run's order (kept across runs)
        TIMES.parent.mkdir(parents=True, exist_ok=True)
        TIMES.write_text(json.dumps({**expected_times(), **{str(nb.relative_to(ROOT)): round(dt) for nb, (ok, dt) in results.items()}}, indent=1, sort_keys=True))
    if not picked or 'docs' in picked:
        t0 = time.time(); ok = run_docs()
        print(f"{'ok  ' if ok else 'FAIL'} docs: tools/build_docs.py ({time.time() - t0:.0f}s)", flush=True)
        passed, failed = passed + ok, failed + (not ok)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not (passed + failed) else 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
