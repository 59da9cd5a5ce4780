#!/usr/bin/env python
"""Build the documentation site without Quarto: nbdev's notebook processing (show_doc for every exported symbol, hidden
cells dropped), then each page rendered to HTML with a sidebar linking every notebook, and checked (every page renders,
no Quarto syntax leaks, every internal link and anchor resolves). Where Quarto is installed, `nbdev_docs` builds the
full site from the same notebooks and `nbs/_quarto.yml`.

Cell outputs and figures come from the executed copies tools/run_tests.py keeps (runs/tests/executed/); a notebook
without a current copy is executed first (through the test runner; --no-execute skips that, and the check then names it).

Usage: python tools/build_docs.py [--out _docs_offline] [--no-execute]
       (exit 1 when a page fails to render, lacks its outputs or figures, or a link, anchor or image is broken)"""
import html, json, os, re, shutil, subprocess, sys, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'
SITE = 'https://kdnli.github.io/kdnli/'

def page_name(nb):
    "Output file of a notebook: nbdev's name for library notebooks (01_models -> models.html), experiments/x -> experiments-x.html."
    nb = Path(nb)
    if nb.parent.name == 'experiments': return f'experiments-{nb.stem}.html'
    if nb.stem == 'index': return 'index.html'
    return re.sub(r'^\d+[a-z]?_', '', nb.stem) + '.html'

def slug(text):
    text = re.sub(r'<[^>]+>', '', html.unescape(text)).strip().lower()
    return re.sub(r'[^\w\-. ]', '', text).strip().replace(' ', '-')

def _md():
    import mistune
    class R(mistune.HTMLRenderer):
        def heading(self, text, level, **attrs):
            return f'<h{level} id="{slug(text)}">{text}</h{level}>\n'
        def block_math(self, text): return f'<div class="math">{mathml(text, "block")}</div>\n'
        def inline_math(self, text): return f'<span class="math">{mathml(text, "inline")}</span>'
    return mistune.create_markdown(renderer=R(escape=False), plugins=['table', 'strikethrough', 'math', 'url'])

def mathml(tex, display):
    "LaTeX as MathML, rendered by the browser itself (offline too); the source stays as the annotation, for copying."
    from latex2mathml.converter import convert
    m = convert(tex.strip(), display=display)
    return m.replace('</math>', f'<annotation encoding="application/x-tex">{html.escape(tex.strip())}</annotation></math>', 1) if '<semantics>' in m else m

def inline_code(text):
    "Plain text with `backticks` as <code> (page subtitles)."
    return re.sub(r'`([^`]+)`', r'<code>\1</code>', html.escape(text))

def fix_links(s, pages):
    "Site URLs and notebook links become local pages; Quarto attribute blocks ({target=...}) are dropped."
    s = s.replace(SITE, '')
    s = re.sub(r'\)\{[^{}\n]*\}', ')', s)
    def nb_link(m):   # only a markdown link's target: a path in prose or in a code block is what the user types, kept as written
        target, anchor = m.group(2), m.group(3) or ''
        return m.group(1) + pages.get(target.lstrip('./'), target) + anchor
    return re.sub(r'(\]\()((?:\./)?(?:experiments/)?[\w-]+\.ipynb)(#[\w-]+)?', nb_link, s)

def code_html(src):
    from pygments import highlight
    from pygments.lexers import PythonLexer
    from pygments.formatters import HtmlFormatter
    return highlight(src, PythonLexer(), HtmlFormatter(nowrap=False, cssclass='code'))

ANSI = re.compile(r'\x1b\[[0-9;?]*[A-Za-z]')
TQDM = re.compile(r'\d+%\|[^|]*\|\s*\d+/\d+')

def stream_text(t, max_lines=60):
    "A stream as a reader sees it: progress-bar redraws (carriage returns) and colour codes resolved, long output cut."
    lines = [ANSI.sub('', l).rsplit('\r', 1)[-1] for l in t.replace('\r\n', '\n').split('\n')]
    lines = [l for l in lines if not TQDM.search(l)]                  # finished progress bars say nothing on a page
    if len(lines) > max_lines: lines = lines[:max_lines] + [f'... ({len(lines) - max_lines} more lines)']
    return '\n'.join(lines).strip('\n')

_API = {}

def api_objects():
    "{name: object} of every export of kdnli, and `Class.method` for their public methods (what show_doc headings name)."
    import importlib, inspect
    if not _API:
        for f in sorted((ROOT/'kdnli').glob('*.py')):
            if f.stem.startswith('_'): continue
            mod = importlib.import_module(f'kdnli.{f.stem}')
            for n in getattr(mod, '__all__', []):
                o = getattr(mod, n); _API.setdefault(n, o)
                if inspect.isclass(o): _API.update({f'{n}.{k}': v for k, v in vars(o).items() if inspect.isfunction(v) and not k.startswith('_')})
    return _API

PARAM_PROBLEMS = []

def param_table(name):
    "An HTML table (parameter, type, default, details from docments) for export `name` when it takes more than two parameters; dataclass configs list their fields in the signature instead. A parameter without a docment is recorded in PARAM_PROBLEMS."
    import dataclasses, inspect
    from fastcore.docments import docments
    obj = api_objects().get(name)
    if obj is None or not callable(obj): return ''
    config = inspect.isclass(obj) and dataclasses.is_dataclass(obj)
    if inspect.isclass(obj) and not config and not getattr(obj.__init__, '__module__', '').startswith('kdnli'): return ''   # another library's __init__
    try:
        sig = inspect.signature(obj)
        if config:   # a config's fields carry their comments in the class that declares them: read every dataclass of the MRO
            d = {}
            for base in reversed(obj.__mro__):
                if dataclasses.is_dataclass(base) and base.__module__.startswith('kdnli'): d.update({k: v for k, v in docments(base, full=True).items() if (v or {}).get('docment')})
        else: d = docments(obj, full=True)
    except (TypeError, ValueError, OSError): return ''
    ps = [p for p in sig.parameters.values() if p.name not in ('self', 'cls') and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if len(ps) <= 2: return ''
    rows = []
    for p in ps:
        info = d.get(p.name) or {}
        doc = info.get('docment') if isinstance(info, dict) else info
        if not doc: PARAM_PROBLEMS.append(f'{name}: parameter {p.name!r} has no docment')
        anno = '' if p.annotation is inspect.Parameter.empty else (p.annotation if isinstance(p.annotation, str) else getattr(p.annotation, '__name__', str(p.annotation)))
        default = '' if p.default is inspect.Parameter.empty else repr(p.default)
        rows.append(f"<tr><td><code>{html.escape(p.name)}</code></td><td>{html.escape(str(anno))}</td><td><code>{html.escape(default)}</code></td><td>{inline_code(doc or '')}</td></tr>")
    return "<table class='params'><thead><tr><th>Parameter</th><th>Type</th><th>Default</th><th>Details</th></tr></thead><tbody>" + ''.join(rows) + '</tbody></table>'

def render_outputs(outputs, md, pages, figs):
    "HTML of a code cell's outputs; images go to files (figs: a callable saving PNG bytes, returning the relative path)."
    import base64
    out, seen = [], set()
    for o in outputs:
        d, meta = o.get('data', {}), o.get('metadata', {}) or {}
        if o.get('output_type') == 'stream':
            t = stream_text(''.join(o['text']))
            if t: out.append(f"<pre class='out'>{html.escape(t)}</pre>")
        elif o.get('output_type') == 'error': out.append(f"<pre class='out err'>{html.escape(o.get('ename', '') + ': ' + o.get('evalue', ''))}</pre>")
        elif 'text/markdown' in d:
            text = ''.join(d['text/markdown'])
            m = re.search(r'^#{2,4}\s+(\S+)\s*$', text, flags=re.M)
            if '[source](' in text or text.lstrip().startswith('---'):    # show_doc's entry: the API documentation of one symbol
                out.append(f"<div class='doc'>{md(fix_links(text, pages))}{param_table(m.group(1)) if m else ''}</div>")
            else: out.append(f"<div class='out md'>{md(fix_links(text, pages))}</div>")   # markdown a cell displays (a report)
        elif 'image/png' in d:
            if (b64 := ''.join(d['image/png']).strip()) in seen: continue      # the inline backend shows a figure the cell also returns: once
            seen.add(b64)
            w = (meta.get('image/png') or {}).get('width')
            src = figs(base64.b64decode(b64)) if figs else f"data:image/png;base64,{b64}"
            out.append(f"<img class='out fig' src='{src}'" + (f" width='{int(w)}'" if w else '') + " alt='figure'>")
        elif 'text/html' in d: out.append(f"<div class='out'>{''.join(d['text/html'])}</div>")
        elif 'text/plain' in d: out.append(f"<pre class='out'>{html.escape(stream_text(''.join(d['text/plain'])))}</pre>")
    return out

def source(c): return ''.join(c['source']) if isinstance(c['source'], list) else c['source']

def directives(src):
    "{name: value} of a cell's `#| name: value` lines (`#| hide` gives {'hide': ''})."
    return {l[2:].split(':')[0].strip(): l[2:].partition(':')[2].strip() for l in src.split('\n') if l.startswith('#|')}

def render_cell(c, md, pages, executed=None, figs=None):
    "HTML of one cell: markdown, or code and its outputs (from `executed`, {cell id: outputs} of the executed copy, when given)."
    src = source(c)
    if c['cell_type'] == 'markdown':
        if 'THIS FILE WAS AUTOGENERATED' in src: return ''
        return md(fix_links(src, pages))
    if c['cell_type'] != 'code': return ''
    dirs = directives(src)
    if 'hide' in dirs: return ''
    code = '\n'.join(l for l in src.split('\n') if not l.startswith('#|')).strip('\n')
    out = [] if dirs.get('echo') == 'false' or not code else [code_html(code)]
    outputs = executed.get(c.get('id'), c.get('outputs', [])) if executed is not None else c.get('outputs', [])
    if dirs.get('output') != 'false': out += render_outputs(outputs, md, pages, figs)
    return f"<div class='cell'>{''.join(out)}</div>" if out else ''

def executed_copy(src):
    "The executed copy of notebook `src` kept by tools/run_tests.py, as a dict, when it was run from the source as it is now (else None)."
    if str(ROOT/'tools') not in sys.path: sys.path.insert(0, str(ROOT/'tools'))
    from run_tests import executed_path, source_md5
    f = executed_path(src)
    if not f.exists(): return None
    nb = json.loads(f.read_text())
    return nb if nb.get('metadata', {}).get('kdnli_executed', {}).get('source_md5') == source_md5(src) else None

def expected_outputs(nb, executed):
    "(visible code cells with outputs, images among them) the page of `nb` must show, from its executed copy."
    n = imgs = 0
    for c in nb['cells']:
        dirs = directives(source(c))
        if c['cell_type'] != 'code' or 'hide' in dirs or dirs.get('output') == 'false': continue
        outs = [o for o in executed.get(c.get('id'), []) if not (o.get('output_type') == 'stream' and not stream_text(''.join(o['text'])))]
        n += bool(outs); imgs += len({''.join(o['data']['image/png']).strip() for o in outs if 'image/png' in o.get('data', {})})
    return n, imgs

def front(nb):
    "(title, description, remaining cells): from nbdev's front-matter raw cell, or from the first '# title' / '> description'."
    import yaml
    cells = nb['cells']
    if cells and cells[0]['cell_type'] == 'raw' and ''.join(cells[0]['source']).startswith('---'):
        fm = yaml.safe_load(''.join(cells[0]['source']).strip().strip('-')) or {}
        return fm.get('title', ''), fm.get('description', ''), cells[1:]
    if cells and cells[0]['cell_type'] == 'markdown':
        src = ''.join(cells[0]['source'])
        m = re.match(r'#\s+(.+)\n(?:>\s*(.+))?', src)
        if m: return m.group(1), m.group(2) or '', [{**cells[0], 'source': src[m.end():]}] + cells[1:]
    return '', '', cells

CSS = """
*{box-sizing:border-box} body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#212529;line-height:1.55}
nav{position:fixed;top:0;left:0;bottom:0;width:250px;overflow-y:auto;background:#f7f7f9;border-right:1px solid #e3e3e8;padding:1.2rem 1rem}
nav .brand{font-weight:700;font-size:1.3rem;color:#2780e3;text-decoration:none} nav h4{margin:1.2rem 0 .3rem;font-size:.75rem;text-transform:uppercase;color:#6c757d;letter-spacing:.05em}
nav a.p{display:block;padding:.18rem .4rem;color:#343a40;text-decoration:none;font-size:.92rem;border-radius:4px} nav a.p:hover{background:#e9ecef} nav a.cur{background:#2780e3;color:#fff}
main{margin-left:250px;padding:1.5rem 2.5rem 4rem;max-width:1150px} h1{font-size:2rem;margin:.2rem 0} p.desc{font-size:1.15rem;color:#6c757d;font-style:italic;margin-top:.2rem}
h2{margin-top:2.2rem;border-bottom:1px solid #eee;padding-bottom:.2rem} a{color:#2780e3}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem;display:block;overflow-x:auto} th,td{border-bottom:1px solid #dee2e6;padding:.3rem .6rem;text-align:left;vertical-align:top} th{background:#f1f3f5}
code{font-family:SFMono-Regular,Menlo,Consolas,monospace;font-size:.86em;background:#f6f8fa;padding:.1em .25em;border-radius:3px}
pre{overflow-x:auto} main>pre{background:#f6f8fa;border:1px solid #e8e8ee;border-radius:6px;padding:.7rem .9rem;font-size:.82rem;white-space:pre-wrap} .cell{margin:1rem 0} .code pre{background:#f6f8fa;border:1px solid #e8e8ee;border-radius:6px;padding:.7rem .9rem;font-size:.82rem;line-height:1.45;margin:0}
pre.out{border-left:3px solid lightsalmon;margin:.3rem 0 0 .6rem;padding:.3rem .8rem;font-size:.82rem;background:none;white-space:pre-wrap}
img.out{max-width:100%;height:auto;margin:.4rem 0 0 .6rem} div.out.md{border-left:3px solid lightsalmon;margin:.3rem 0 0 .6rem;padding:.1rem .9rem;font-size:.9rem} pre.err{border-left-color:#dc3545} .doc{border-top:1px solid #dee2e6;margin-top:1.4rem;padding-top:.3rem} .doc h3{font-family:SFMono-Regular,Menlo,monospace;font-size:1.1rem;margin:.6rem 0}
.doc>p:first-of-type{float:right;font-size:.8rem;margin:.5rem 0 0} .doc pre{background:#f6f8fa;padding:.5rem .8rem;border-radius:6px;font-size:.85rem} .doc hr{display:none}
footer{margin-top:3rem;color:#868e96;font-size:.8rem}
table.params{font-size:.82rem;margin:.4rem 0 .8rem} table.params td:first-child{white-space:nowrap} table.params td:nth-child(2),table.params td:nth-child(3){color:#555;white-space:nowrap}
math[display=block]{display:block;overflow-x:auto;margin:.6rem 0} .math{font-size:1rem} div.math{margin:.6rem 0;overflow-x:auto;white-space:pre-wrap}
.code pre,.doc pre{white-space:pre-wrap;overflow-wrap:anywhere}
aside.toc{position:fixed;top:1.2rem;right:1rem;width:210px;max-height:90vh;overflow-y:auto;overflow-x:hidden;font-size:.8rem;border-left:1px solid #e3e3e8;padding-left:.8rem}
aside.toc b{display:block;margin-bottom:.3rem;color:#6c757d;text-transform:uppercase;font-size:.7rem;letter-spacing:.05em}
aside.toc a{display:block;color:#495057;text-decoration:none;padding:.08rem 0;overflow-wrap:anywhere} aside.toc a.h3{padding-left:.8rem;font-family:SFMono-Regular,Menlo,monospace;font-size:.75rem}
@media (min-width:1400px){main{margin-right:240px}} @media (max-width:1399px){aside.toc{display:none}}
#q{width:100%;margin:.8rem 0 .2rem;padding:.3rem .5rem;border:1px solid #ced4da;border-radius:4px;font-size:.9rem}
#hits a{display:block;font-size:.85rem;padding:.15rem .4rem;color:#343a40;text-decoration:none} #hits a:hover{background:#e9ecef} #hits small{color:#868e96}
@media (max-width:800px){nav{position:static;width:auto;border-right:none;border-bottom:1px solid #e3e3e8;max-height:none}
 nav a.p{display:inline-block;margin:.1rem .2rem} main{margin-left:0;padding:1rem}}
"""

SEARCH_JS = """
(function(){var q=document.getElementById('q'),out=document.getElementById('hits');if(!q)return;
q.addEventListener('input',function(){var t=q.value.trim().toLowerCase();out.innerHTML='';if(t.length<2)return;
var n=0;for(var i=0;i<SEARCH.length&&n<25;i++){var e=SEARCH[i];if((e.t+' '+e.x).toLowerCase().indexOf(t)<0)continue;n++;
var a=document.createElement('a');a.href=e.p+(e.a?'#'+e.a:'');a.innerHTML='';a.textContent=e.t+' ';var s=document.createElement('small');s.textContent=e.g;a.appendChild(s);out.appendChild(a);}
if(!n)out.textContent='no match';});})();
"""

def toc(body):
    "An on-page table of contents from the page's h2 (sections) and h3 (documented symbols) headings."
    hs = re.findall(r'<h([23]) id="([^"]+)">(.*?)</h\1>', body)
    if len(hs) < 3: return ''
    return "<aside class='toc'><b>On this page</b>" + ''.join(f"<a class='h{l}' href='#{i}'>{re.sub(r'<[^>]+>', '', t)}</a>" for l, i, t in hs) + '</aside>'

def search_index(rendered):
    "Every section and documented symbol of every page: [{'t': text, 'p': page, 'a': anchor, 'g': page title, 'x': first words}]."
    idx = []
    for name, (title, desc, body) in rendered.items():
        idx.append({'t': title, 'p': name, 'a': '', 'g': 'page', 'x': desc})
        for lvl, i, t in re.findall(r'<h([23]) id="([^"]+)">(.*?)</h\1>', body):
            idx.append({'t': html.unescape(re.sub(r'<[^>]+>', '', t)), 'p': name, 'a': i, 'g': title, 'x': ''})
    return idx

def layout(title, desc, body, pages_nav, current):
    nav = "<a class='brand' href='index.html'>kdnli</a><input id='q' type='search' placeholder='Search' aria-label='Search the docs'><div id='hits'></div>"
    for group, items in pages_nav:
        if group: nav += f'<h4>{html.escape(group)}</h4>'
        for name, t in items: nav += f"<a class='p{' cur' if name == current else ''}' href='{name}'>{html.escape(t)}</a>"
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{html.escape(title)} – kdnli</title><link rel='stylesheet' href='site.css'></head><body><nav>{nav}</nav>{toc(body)}<main>"
            f"<h1>{inline_code(title)}</h1>" + (f"<p class='desc'>{inline_code(desc)}</p>" if desc else '') + body +
            "<footer>Offline build (tools/build_docs.py); with Quarto installed, <code>nbdev_docs</code> builds the full site.</footer></main>"
            "<script src='search.js'></script><script src='site.js'></script></body></html>")

def check(out, pages, want=None):
    "Problems: Quarto syntax left in a page, broken links, anchors or images, and (with `want`, {page: (cells with output, images)}) a page short of its outputs or figures."
    probs, ids = [], {}
    texts = {p: (out/p).read_text() for p in pages}
    for p, t in texts.items(): ids[p] = set(re.findall(r'id="([^"]+)"', t))
    for p, t in texts.items():
        for bad in ('{target=', '#| ', ':::', 'output-file:'):
            if re.search(r'(?:^|>|\n)\s*' + re.escape(bad), re.sub(r'<div class=.code.>.*?</div>', '', t, flags=re.S)): probs.append(f'{p}: leftover {bad!r}')
        prose = re.sub(r'<(math|pre|code)\b.*?</\1>', '', t, flags=re.S)
        if m := re.search(r'\\(frac|sum|mathcal|mathrm|log|exp|cdot|tau|alpha|sigma|big|left|right)\b|\$\$', prose): probs.append(f'{p}: raw LaTeX {m.group(0)!r} outside a math element')
        if 'Call self as a function' in t: probs.append(f'{p}: placeholder docstring "Call self as a function"')
        for code in re.findall(r'<div class="code">.*?</div>', t, flags=re.S):
            if m := re.search(r'nbs/experiments-\w+\.html|\w+\.html\b(?=[^<]*\.ipynb)', html.unescape(re.sub(r'<[^>]+>', '', code))): probs.append(f'{p}: a path rewritten inside a code block: {m.group(0)}')
        if want and p in want:
            n_out = len(re.findall(r"<(?:pre|div|img) class='(?:out|doc)", t)); n_img = len(re.findall(r"<img class='out fig'", t))
            if n_out < want[p][0] or n_img < want[p][1]: probs.append(f'{p}: shows {n_out} outputs and {n_img} figures, its executed notebook has {want[p][0]} and {want[p][1]}')
            if not n_out and want[p][0] == 0 and '<div class="code">' in t: probs.append(f'{p}: no cell output at all')
        for src in re.findall(r"<img[^>]* src='([^']+)'", t):
            if not src.startswith(('data:', 'http')) and not (out/src).exists(): probs.append(f'{p}: missing image {src}')
        for href in re.findall(r"href=['\"]([^'\"]+)['\"]", t):
            if href.startswith(('http://', 'https://', 'mailto:')) or href == 'site.css': continue
            target, _, anchor = href.partition('#')
            target = target or p
            if target not in texts: probs.append(f'{p}: link to missing page {href}')
            elif anchor and anchor not in ids[target]: probs.append(f'{p}: link to missing anchor {href}')
    return probs

def missing_exports(idx):
    "Exported classes and functions of kdnli (`api_objects`) that the search index does not list."
    import inspect
    listed = {e['t'].split('(')[0].strip().split('.')[-1] for e in idx}
    return [f'search index: {o.__module__}.{n} is not listed' for n, o in api_objects().items()
            if '.' not in n and (inspect.isclass(o) or inspect.isfunction(o)) and n not in listed]

def rerun_cells(nb):
    """Cells of notebook `nb` (a dict) that nbdev's docs processing would execute besides its exports and hidden setup cells:
    it runs every cell with an import in it, so a test cell with one ran a second time in the docs build (the pipeline
    test of 10_pipeline once cost the build 40 s). Returns their indexes."""
    import ast
    out = []
    for i, c in enumerate(nb['cells']):
        src = ''.join(c['source']) if c['cell_type'] == 'code' else ''
        first = [l.replace(' ', '') for l in src.splitlines() if l.startswith('#|')]
        if not src or any(d.startswith(('#|export', '#|hide', '#|exec_doc', '#|eval:false')) for d in first) or 'nbdev_export()' in src: continue
        try: tree = ast.parse('\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!'))))
        except SyntaxError: continue
        nodes = list(ast.walk(tree))
        if any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in nodes) and any(isinstance(n, (ast.Expr, ast.Assign)) for n in nodes): out.append(i)
    return out

def execute_stale(origs):
    "Run (through tools/run_tests.py, so as the suite does) the notebooks whose executed copy is missing or older than their source."
    stale = [o for o in origs if executed_copy(o) is None]
    if stale:
        print(f"executing {len(stale)} notebook(s) for their outputs: {', '.join(o.name for o in stale)}", flush=True)
        subprocess.run([sys.executable, str(ROOT/'tools'/'run_tests.py'), '--no-export-check', '--slow', *[str(o.relative_to(NBS)) for o in stale]], cwd=ROOT)

def build(out, execute=True):
    from nbdev.quarto import proc_nbs
    import warnings
    out = Path(out)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        cwd = os.getcwd(); os.chdir(ROOT)
        try: cache = Path(proc_nbs(n_workers=0))
        finally: os.chdir(cwd)
    lib = sorted(p for p in cache.glob('*.ipynb') if p.stem != 'index')
    srcs = [cache/'index.ipynb'] + lib + sorted((NBS/'experiments').glob('*.ipynb'))
    orig = {s: (s if s.parent.name == 'experiments' else NBS/s.name) for s in srcs}
    if execute: execute_stale(list(orig.values()))
    pages = {}
    for s in srcs:
        key = f'experiments/{s.name}' if s.parent.name == 'experiments' else s.name
        pages[key] = page_name(key if s.parent.name == 'experiments' else s)
    md = _md()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix='.docs-'))   # beside the site: the final rename stays on one disk
    try: return _render(out, tmp, srcs, orig, pages, md, lib)
    except BaseException: shutil.rmtree(tmp, ignore_errors=True); raise

MARK = '.kdnli-docs'   # in every built site: the only kind of folder a build replaces

def check_out(out):
    "Refuse an --out that is a file, or a folder with other things in it than an earlier build of this site (a build replaces it whole)."
    out = Path(out)
    if out.exists() and not out.is_dir(): return f"--out {out}: is a file, not a folder for the site"
    built = (out/MARK).exists() or all((out/f).exists() for f in ('index.html', 'site.css', 'search.js'))   # or a build from before the mark
    if out.is_dir() and any(out.iterdir()) and not built:
        return f"--out {out}: a folder with other files in it (not an earlier docs build), which the build would replace; pick a new or empty folder"

def _render(out, tmp, srcs, orig, pages, md, lib):
    "Render every page into `tmp`, check it, and move it to `out`."
    (tmp/'fig').mkdir()
    rendered, titles, want, probs = {}, {}, {}, []
    for s in srcs:
        nb = json.loads(s.read_text())
        title, desc, cells = front(nb)
        key = f'experiments/{s.name}' if s.parent.name == 'experiments' else s.name
        name = pages[key]
        ex = executed_copy(orig[s])
        executed = None if ex is None else {c.get('id'): c.get('outputs', []) for c in ex['cells'] if c['cell_type'] == 'code'}
        if executed is None: probs.append(f'{name}: no outputs: {orig[s].relative_to(ROOT)} has no executed copy from its current source (run tools/run_tests.py)')
        else: want[name] = expected_outputs(json.loads(orig[s].read_text()), executed)
        k = iter(range(10**6))
        def figs(png, stem=Path(name).stem):
            f = f'fig/{stem}-{next(k)}.png'; (tmp/f).write_bytes(png); return f
        titles[name] = title or s.stem
        rendered[name] = (title or s.stem, desc, ''.join(render_cell(c, md, pages, executed, figs) for c in cells))
    nav = [('', [('index.html', 'Get started')]),
           ('Library', [(pages[p.name], f"{p.stem[:2]} {titles[pages[p.name]]}") for p in lib]),
           ('Experiments (papermill)', [(pages[f'experiments/{p.name}'], titles[pages[f'experiments/{p.name}']].replace(' (papermill)', '')) for p in sorted((NBS/'experiments').glob('*.ipynb'))])]
    from pygments.formatters import HtmlFormatter
    (tmp/'site.css').write_text(CSS + HtmlFormatter(style='friendly').get_style_defs('.code'))
    idx = search_index(rendered)
    (tmp/'search.js').write_text('var SEARCH=' + json.dumps(idx) + ';\n')    # a script, not JSON to fetch: search works from file:// too
    (tmp/'site.js').write_text(SEARCH_JS)
    for name, (title, desc, body) in rendered.items(): (tmp/name).write_text(layout(title, desc, body, nav, name))
    probs += check(tmp, list(rendered), want) + missing_exports(idx) + sorted(set(PARAM_PROBLEMS))
    probs += [f'{o.relative_to(ROOT)}: cell {i} has imports and other code, so the docs build runs it again; move its imports to the hidden setup cell'
              for o in orig.values() for i in rerun_cells(json.loads(o.read_text()))]
    for d in (tmp, tmp/'fig'): os.chmod(d, 0o755)               # mkdtemp makes it 0700: a served site must be readable
    (tmp/MARK).write_text('an offline kdnli docs site (tools/build_docs.py); the next build replaces this folder\n')
    if out.exists(): shutil.rmtree(out)
    tmp.rename(out)
    return out, list(rendered), probs

def selftest():
    "The checker catches what it is there to catch: a missing page, a missing anchor, leftover Quarto syntax."
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        (d/'a.html').write_text('<h2 id="x">x</h2><a href="b.html">b</a><a href="a.html#x">ok</a><a href="#y">no</a><p>{target="_blank"}</p>')
        probs = check(d, ['a.html'])
    assert sorted(probs) == sorted(["a.html: leftover '{target='", 'a.html: link to missing page b.html', 'a.html: link to missing anchor #y']), probs
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        (d/'a.html').write_text('<p>loss \\frac{1}{2}</p><math><mi>x</mi></math><p>Call self as a function.</p>'
                                '<div class="code"><pre>papermill nbs/experiments-pipeline.html out.ipynb</pre></div>')
        probs = check(d, ['a.html'])
    assert len(probs) == 3 and 'raw LaTeX' in probs[0] and 'placeholder' in probs[1] and 'rewritten' in probs[2], probs
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        (d/'a.html').write_text('<div class="code"><pre>x</pre></div>' "<img class='out fig' src='fig/a-0.png'>")
        probs = check(d, ['a.html'], {'a.html': (2, 1)})
    assert len(probs) == 2 and 'shows 1 outputs and 1 figures' in probs[0] and 'missing image' in probs[1], probs
    assert stream_text('step 5:  50%\rstep 5: 100%\nok\x1b[0m') == 'step 5: 100%\nok'
    assert stream_text('Loading weights: 100%|##########| 57/57 [00:00<00:00]\ndone') == 'done'
    assert '<math' in mathml(r'\frac{a}{b}', 'inline') and inline_code('the `x` flag') == 'the <code>x</code> flag'
    assert page_name('nbs/01_models.ipynb') == 'models.html' and page_name('experiments/distill.ipynb') == 'experiments-distill.html'
    assert fix_links('[x](https://kdnli.github.io/kdnli/plots.html#f){target="_blank"} [y](00_data.ipynb#z)', {'00_data.ipynb': 'data.html'}) == '[x](plots.html#f) [y](data.html#z)'
    with tempfile.TemporaryDirectory() as d:                     # --out never replaces a folder of other files
        d = Path(d); (d/'x.txt').write_text('keep')
        assert 'other files' in check_out(d) and 'is a file' in check_out(d/'x.txt') and check_out(d/'new') is None
        (d/'site').mkdir(); (d/'site'/MARK).write_text(''); (d/'site'/'a.html').write_text('')
        assert check_out(d/'site') is None and check_out(d/'empty') is None
    cells = lambda *srcs: {'cells': [{'cell_type': 'code', 'source': [x]} for x in srcs]}
    assert rerun_cells(cells('#| hide\nimport os\nos.getcwd()', '#| export\nimport os\nx = 1', 'import os', 'x = 1\nif x:\n    import os',
                             'f()\n!pip list', '#| hide\nimport nbdev; nbdev.nbdev_export()', 's = "import os"')) == [3]
    cmd = 'papermill nbs/experiments/pipeline.ipynb out.ipynb; see experiments/pipeline.ipynb'
    assert fix_links(cmd, {'experiments/pipeline.ipynb': 'experiments-pipeline.html'}) == cmd   # copy-paste commands stay exact

if __name__ == '__main__':
    args = sys.argv[1:]
    selftest()
    if '--out' in args and (args.index('--out') + 1 >= len(args) or args[args.index('--out') + 1].startswith('--')):
        print('error: --out needs a folder (usage: build_docs.py [--out DIR] [--no-execute])', file=sys.stderr); sys.exit(2)
    out = Path(args[args.index('--out') + 1]) if '--out' in args else ROOT/'_docs_offline'
    if (why := check_out(out)): print(f"error: {why}", file=sys.stderr); sys.exit(2)
    out, pages, probs = build(out, execute='--no-execute' not in args)
    for p in probs: print('problem:', p)
    print(f"{len(pages)} pages in {out}" + (f", {len(probs)} problems" if probs else ', all links resolve'))
    sys.exit(1 if probs else 0)
