// Jupyter tracebacks for notebook cells: the plain-text (NoColor) structured traceback IPython's kernel
// sends as an error's `traceback` list. Frames in a cell print as `Cell In [N], line L, in f(a)` with up
// to two statements of context either side (one for chained exceptions), chained exceptions come
// first with IPython's "The above exception was the direct cause..." separators, deep recursion folds
// into `[... skipping similar frames: ...]`, and the runtime's own frames (the runner, torch's bridge
// under /gradscope/) are left out, as PyTorch's C++ ops have none. Pinned by test/fixtures/notebook.json.

/** Module name inside Pyodide. */
export const IPYTB_MODULE = '_gradscope_ipytb';

export const IPYTB_PY = String.raw`
import ast, inspect, linecache, os, textwrap
from collections import Counter
from itertools import groupby

cell_files = {}       # file name -> execution count of its latest run
hidden_globals = []   # frames running with one of these globals belong to the runtime
HIDDEN_PREFIX = '/gradscope/'
WIDTH = 75
NUMBERS = 7           # width of the line-number column
_STMT = (ast.stmt, ast.ExceptHandler) + ((ast.match_case,) if hasattr(ast, 'match_case') else ())
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)
_GAP = object()
_sources = {}


def _link(filename, lineno):
    n = cell_files.get(filename)
    if n is not None:
        return 'Cell In [%s], line %s' % (n, lineno)
    home = os.path.expanduser('~')
    if home and home != '/' and filename.startswith(home):
        filename = '~' + filename[len(home):]
    return 'File %s:%s' % (filename, lineno)


# ---- which lines a frame shows: whole statements ("pieces") around the executing one ----------------------

def _line_range(node):
    if hasattr(ast, 'match_case') and isinstance(node, ast.match_case):
        return node.pattern.lineno, node.body[-1].end_lineno + 1
    start = node.lineno
    for d in getattr(node, 'decorator_list', ()) or ():
        start = min(start, d.lineno)
    return start, node.end_lineno + 1


def _stmt_lists(node):
    for _name, body in ast.iter_fields(node):
        if isinstance(body, list) and body and isinstance(body[0], _STMT):
            yield body


def _split(node, start, end):
    """(start, end) line ranges: compound statement headers, simple statements, and what lies between."""
    for body in _stmt_lists(node):
        groups = {}
        for sub in body:
            groups.setdefault(_line_range(sub), []).append(sub)
        for rng in sorted(groups):
            for a, b in _split(groups[rng][0], *rng):
                if start < a:
                    yield start, a
                if a < b:
                    yield a, b
                start = b
    yield start, end


def _pieces(tree, lines):
    raw = [(a, b) for a, b in _split(tree, 1, len(lines) + 1) if b > a]
    merged = raw[:1]
    for a, b in raw[1:]:
        la, lb = merged[-1]
        if a < lb:  # two statements on one line (';')
            merged[-1] = (la, b)
        else:
            merged.append((a, b))
    blank = lambda i: 0 < i <= len(lines) and not lines[i - 1].strip()
    out = []
    for a, b in merged:
        while blank(a):
            a += 1
        while blank(b - 1):
            b -= 1
        if a < b:
            out.append(range(a, b))
    return out


def _source(filename):
    lines = [l.rstrip('\r\n') for l in linecache.getlines(filename)]
    text = '\n'.join(lines)
    hit = _sources.get(filename)
    if hit is not None and hit[0] == text:
        return hit[1]
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        tree = None
    pieces = _pieces(tree, lines) if tree is not None else [range(i, i + 1) for i in range(1, len(lines) + 1)]
    if len(_sources) > 256:
        _sources.clear()
    info = (lines, tree, pieces)
    _sources[filename] = (text, info)
    return info


def _scope_range(tree, lineno, nlines):
    """Lines of the innermost function, class or module around the statement running at lineno."""
    chain = [tree]
    node = tree
    while True:
        nxt = None
        for body in _stmt_lists(node):
            for sub in body:
                a, b = _line_range(sub)
                if a <= lineno < b:
                    nxt = sub
                    break
            if nxt is not None:
                break
        if nxt is None:
            break
        chain.append(nxt)
        node = nxt
    for n in reversed(chain[:-1]):
        if isinstance(n, _SCOPES):
            return (1, nlines + 1) if isinstance(n, ast.Module) else _line_range(n)
    return 1, nlines + 1


def _context_lines(filename, lineno, before, after):
    lines, tree, pieces = _source(filename)
    if not lines or not 0 < lineno <= len(lines):
        return []
    if tree is not None:
        a, b = _scope_range(tree, lineno, len(lines))
        pieces = [p for p in pieces if a <= p.start and p.stop <= b]
    current = [p for p in pieces if lineno in p]
    if len(current) != 1:
        return []
    pos = pieces.index(current[0])
    shown = []
    for p in pieces[max(0, pos - before):pos + 1 + after]:
        nums = list(p)
        if p is not current[0] and len(nums) > 6:
            nums = nums[:3] + [_GAP] + nums[-2:]
        shown.extend(nums)
    real = [n for n in shown if n is not _GAP]
    first = lines[real[0] - 1]
    indent = len(first) - len(textwrap.dedent('\n'.join(lines[n - 1] for n in real)).splitlines()[0])
    out = []
    for n in shown:
        if n is _GAP:
            out.append('   (...)\n')
            continue
        text = lines[n - 1][indent:].rstrip('\n') + '\n'
        if n == lineno:
            pad = NUMBERS - len(str(n))
            arrow = '-' * (pad - 2) + '> ' if pad >= 2 else ('>' if pad == 1 else '')
            out.append(arrow + str(n) + ' ' + text)
        else:
            out.append(str(n).rjust(NUMBERS) + ' ' + text)
    return out


# ---- frames -------------------------------------------------------------------------------------------

def _visible(frame):
    if any(frame.f_globals is g for g in hidden_globals):
        return False
    return not frame.f_code.co_filename.startswith(HIDDEN_PREFIX)


def _frames(tb):
    out = []
    while tb is not None:
        if _visible(tb.tb_frame):
            out.append((tb.tb_frame, tb.tb_lineno))
        tb = tb.tb_next
    return out


def _qualname(code):
    return getattr(code, 'co_qualname', code.co_name)


def _record(frame, lineno, before, after):
    code = frame.f_code
    head = _link(code.co_filename, lineno)
    func = _qualname(code)
    if func != '<module>':
        try:
            args, varargs, varkw, loc = inspect.getargvalues(frame)
            head += ', in ' + func + inspect.formatargvalues(args, varargs, varkw, loc, formatvalue=lambda v: '')
        except KeyError:
            head += ', in ' + func + '(***failed resolving arguments***)'
    return head + '\n' + ''.join(_context_lines(code.co_filename, lineno, before, after))


def _collapsed(frames):
    """Frames, with runs of a (code, line) seen more than 3 times folded like IPython's RepeatedFrames."""
    keys = [(f.f_code, n) for f, n in frames]
    counts = Counter(keys)
    marks = []
    for common, grp in groupby(range(len(keys)), key=lambda i: counts[keys[i]] > 3):
        idx = list(grp)
        if not common:
            marks.extend(True for _ in idx)
            continue
        sub = [keys[i] for i in idx]
        hl = [False] * len(sub)
        for k in set(sub):
            first = sub.index(k)
            hl[first] = True
            try:
                hl[sub.index(k, first + 1)] = True
            except ValueError:
                pass
            hl[len(sub) - 1 - sub[::-1].index(k)] = True
        marks.extend(hl)
    out = []
    for shown, grp in groupby(range(len(frames)), key=lambda i: marks[i]):
        idx = list(grp)
        if shown:
            out.extend(frames[i] for i in idx)
        else:
            out.append([keys[i] for i in idx])
    return out


def _repeated(keys):
    counts = sorted(Counter(keys).items(), key=lambda kv: (-kv[1], kv[0][0].co_name))
    desc = ', '.join('%s at line %s (%s times)' % (_qualname(code), line, n) for (code, line), n in counts)
    return '    [... skipping similar frames: %s]\n' % desc


def _whole(etype, evalue, tb, context):
    name = etype.__name__
    after = (context - 1) // 2
    before = context - 1 - after
    parts = [name + 'Traceback (most recent call last)'.rjust(WIDTH - len(name))]
    frames = _collapsed(_frames(tb))
    skipped = 0
    for i, item in enumerate(frames):
        if isinstance(item, list):
            parts.append(_repeated(item))
            continue
        frame, lineno = item
        if frame.f_locals.get('__tracebackhide__', 0) and i != len(frames) - 1:
            skipped += 1
            continue
        if skipped:
            parts.append('    [... skipping hidden %s frame]\n' % skipped)
            skipped = 0
        parts.append(_record(frame, lineno, before, after))
    if skipped:
        parts.append('    [... skipping hidden %s frame]\n' % skipped)
    try:
        text = str(evalue)
    except Exception:
        text = '<unprintable %s object>' % name
    parts.append('%s: %s' % (name, text))
    return parts


def _chained(e):
    if e.__cause__ is not None:
        return e.__cause__
    if e.__suppress_context__:
        return None
    return e.__context__


def _separator(e):
    if e.__cause__:
        return '\nThe above exception was the direct cause of the following exception:\n'
    return '\nDuring handling of the above exception, another exception occurred:\n'


def structured_traceback(e):
    """The traceback list an IPython kernel sends for exception e (chained ones first)."""
    blocks = [_whole(type(e), e, e.__traceback__, 5)]
    cur = _chained(e)
    if cur is not None:
        blocks.append([_separator(e)])
    seen = set()
    while cur is not None:
        blocks.append(_whole(type(cur), cur, cur.__traceback__, 3))
        nxt = _chained(cur)
        if nxt is not None and id(nxt) not in seen:
            seen.add(id(nxt))
            blocks.append([_separator(cur)])
            cur = nxt
        else:
            cur = None
    out = ['-' * WIDTH]
    for b in reversed(blocks):
        out.extend(b)
    return out


def syntax_traceback(e):
    """IPython's traceback for a cell that does not compile: where, the line, a caret, the message."""
    parts = []
    filename = e.filename or '<string>'
    if e.lineno:
        parts.append('  %s\n' % _link(filename, e.lineno))
        line = linecache.getline(filename, e.lineno) or (e.text or '')
    else:
        n = cell_files.get(filename)
        parts.append('  %s\n' % ('Cell In [%s]' % n if n is not None else 'File ' + filename))
        line = e.text or ''
    if line:
        i = len(line) - len(line.lstrip())
        parts.append('    %s\n' % line.strip())
        if e.offset is not None:
            caret = '    ' + ''.join(c if c.isspace() else ' ' for c in line[i:e.offset - 1])
            parts.append(caret + '^\n')
    msg = getattr(e, 'msg', None)
    if msg is None:
        msg = str(e)
    parts.append('%s: %s\n' % (type(e).__name__, msg) if msg else '%s\n' % type(e).__name__)
    return [''.join(parts)]
`;
