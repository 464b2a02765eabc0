// Notebook cells (the VS Code notebook kernel, issue 9): the Python module the runtime worker installs
// beside its runner. run_cell() runs one cell the way IPython's kernel does: the last expression's
// value goes through a displayhook (text/plain by IPython's pretty-printing rules, `_`, `__`, `___`,
// `_N`, `Out`, `In`, a trailing `;` silences it), `display()` is a builtin, errors come back with
// Jupyter's ename/evalue and an IPython-style plain-text traceback (`Cell In [N], line L`), and magics
// or shell lines raise a clear "not supported here" UsageError. Outputs are handed to the worker as
// they happen (emit_display), so they interleave with stdout/stderr in the order they were produced.
// Expected behaviour is pinned by test/fixtures/notebook.json (real IPython + PyTorch).

/** Module name inside Pyodide. */
export const CELLS_MODULE = '_gradscope_cells';

export const CELLS_PY = String.raw`
import ast, base64, builtins, inspect, json, linecache, re, sys, tokenize
from io import StringIO
import _gradscope_runner as _R
from _gradscope_pretty import pretty
import _gradscope_ipytb as _tb
from _gradscope_runtime import emit_display as _emit

_G = globals()
_tb.hidden_globals[:] = [_G, vars(_R)]
_state = {'count': None, 'last': ['', '', ''], 'ns': None}


class UsageError(Exception):
    """What IPython raises for a magic it cannot run: here, every magic and shell line."""


# ---- rich formats and display() ------------------------------------------------------------------------

_FORMATS = (
    ('text/html', '_repr_html_'), ('text/markdown', '_repr_markdown_'), ('image/svg+xml', '_repr_svg_'),
    ('image/png', '_repr_png_'), ('application/pdf', '_repr_pdf_'), ('image/jpeg', '_repr_jpeg_'),
    ('text/latex', '_repr_latex_'), ('application/json', '_repr_json_'), ('application/javascript', '_repr_javascript_'),
)
_BINARY = ('image/png', 'image/jpeg', 'application/pdf')


def _real_method(obj, name):
    """obj.name when obj really has it (not a class, not an object that claims every attribute)."""
    if inspect.isclass(obj):
        return None
    try:
        if getattr(obj, '_ipython_canary_method_should_not_exist_', None) is not None:
            return None
        m = getattr(obj, name, None)
    except Exception:
        return None
    return m if callable(m) else None


def _report_format_error(what):
    import traceback
    sys.stderr.write('[gradscope] ' + what + ' failed:\n' + ''.join(traceback.format_exc()))


def _encode(mime, value):
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode('ascii') if mime in _BINARY else bytes(value).decode('utf-8', 'replace')
    if mime == 'application/json':
        return value
    return value if isinstance(value, str) else str(value)


def _wanted(mime, include, exclude):
    return (not include or mime in include) and not (exclude and mime in exclude)


def format_value(obj, include=None, exclude=None):
    """(data, metadata) the way IPython's DisplayFormatter.format makes them; None when _ipython_display_ ran."""
    show = _real_method(obj, '_ipython_display_')
    if show is not None:
        show()
        return None
    data, md = {}, {}
    bundle = _real_method(obj, '_repr_mimebundle_')
    if bundle is not None:
        try:
            r = bundle(include=include, exclude=exclude)
        except Exception:
            _report_format_error('_repr_mimebundle_')
            r = None
        if isinstance(r, tuple):
            r, md = r[0], dict(r[1] or {})
        for k, v in (r or {}).items():
            if _wanted(k, include, exclude):
                data[k] = _encode(k, v)
    if 'text/plain' not in data and _wanted('text/plain', include, exclude):
        try:
            data['text/plain'] = pretty(obj)
        except Exception:
            _report_format_error('repr()')
    for mime, name in _FORMATS:
        if mime in data or not _wanted(mime, include, exclude):
            continue
        m = _real_method(obj, name)
        if m is None:
            continue
        try:
            v = m()
        except Exception:
            _report_format_error(name + '()')
            continue
        if isinstance(v, tuple) and len(v) == 2:
            v, meta = v
            md[mime] = meta
        if v is not None:
            data[mime] = _encode(mime, v)
    return data, md


def _publish(kind, data, md, obj):
    _R._flush()
    tensor = _R._engine_tensor(obj) if obj is not None else None
    count = _state['count'] if kind == 'result' else None
    _emit(kind, count, json.dumps(data), json.dumps(md, default=str), tensor)


def display(*objs, include=None, exclude=None, metadata=None, transient=None, display_id=None, raw=False, clear=False, **kwargs):
    """IPython's display(): one display_data output per object (raw=True: the objects are mime bundles)."""
    for name, value in (('transient', transient), ('display_id', display_id), ('clear', clear or None)):
        if value is not None:
            raise NotImplementedError('display(' + name + '=...) is not supported by the Gradscope notebook kernel')
    if kwargs:
        raise TypeError("display() got an unexpected keyword argument '" + next(iter(kwargs)) + "'")
    for obj in objs:
        if raw:
            _publish('display', {k: _encode(k, v) for k, v in dict(obj).items()}, dict(metadata or {}), None)
            continue
        r = format_value(obj, include, exclude)
        if not r:
            continue
        data, md = r
        if metadata:
            md = dict(md, **metadata)
        if data:
            _publish('display', data, md, obj)


# ---- the displayhook: Out[N], _, __, ___ ------------------------------------------------------------------

def _quiet(code):
    """A trailing ';' (comments and blank lines after it do not count) silences the cell's value."""
    try:
        tokens = list(tokenize.generate_tokens(StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return False
    for tok in reversed(tokens):
        if tok[0] in (tokenize.ENDMARKER, tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT):
            continue
        return tok[0] == tokenize.OP and tok[1] == ';'
    return False


def _displayhook(value, code):
    if value is None or _quiet(code):
        return
    r = format_value(value)
    ns = _state['ns']
    if value is not ns['_oh']:  # showing Out itself does not store it in Out
        last = _state['last']
        update = all(name not in ns or ns[name] is mine for name, mine in zip(('_', '__', '___'), last))
        last[:] = [value, last[0], last[1]]
        if update:
            ns['_'], ns['__'], ns['___'] = last
        count = _state['count']
        ns['_' + str(count)] = value
        ns['_oh'][count] = value
    if r and r[0]:
        _publish('result', r[0], r[1], value)


def _prepare_namespace(ns):
    if ns.get('_oh') is None or '_ih' not in ns:
        ns.update({'_ih': [''], '_oh': {}, '_': '', '__': '', '___': '', '_i': '', '_ii': '', '_iii': '', '_i00': ''})
        ns['In'] = ns['_ih']
        ns['Out'] = ns['_oh']
        _state['last'] = ['', '', '']
    ns.pop('__file__', None)


def _store_input(ns, code, count):
    ns['_ih'].append(code)
    ns['_iii'], ns['_ii'], ns['_i'] = ns.get('_ii', ''), ns.get('_i', ''), ns.get('_i00', '')
    ns['_i00'] = code
    ns['_i' + str(count)] = code


# ---- magics: never run, always a clear error ---------------------------------------------------------------

_HELP = re.compile(r'^(\?{1,2}[\w.]+|[\w.]+\?{1,2})$')
_WHY = 'Gradscope runs notebook cells in its own PyTorch engine (Python in WebAssembly), not in IPython'


def magic(line):
    """Raise the UsageError for one magic, shell or help line (called where that line was)."""
    s = line.strip()
    name = re.match(r'^[%!]*\s*([\w.-]*)', s).group(1)
    if s.startswith('%%'):
        msg = 'Cell magic %%' + name + ' is not supported here: ' + _WHY + '. Remove the %%' + name + ' line to run the cell.'
    elif name in ('pip', 'conda', 'mamba') or (s.startswith('!') and name in ('pip', 'pip3', 'conda', 'python', 'python3')):
        msg = ('Installing packages (' + s.split()[0] + ' ...) is not supported here: the Gradscope kernel has PyTorch '
               'built in and no Python installation to install into.')
    elif s.startswith('%'):
        msg = 'Line magic %' + name + ' is not supported here: ' + _WHY + '.'
    elif s.startswith('!'):
        msg = 'Shell commands (' + s + ') are not supported here: the Gradscope kernel has no shell.'
    else:
        msg = 'Help syntax (' + s + ') is not supported here: use help(' + s.strip('?') + ') instead.'
    raise UsageError(msg)


def _is_magic(stripped):
    if stripped.startswith('%') or (stripped.startswith('!') and not stripped.startswith('!=')):
        return True
    return bool(_HELP.match(stripped))


def _transform_magics(code):
    """The cell with each magic line replaced by a call that raises, or None when it has none."""
    lines = code.split('\n')
    first = next((i for i, l in enumerate(lines) if l.strip()), None)
    if first is None:
        return None
    if lines[first].lstrip().startswith('%%'):
        return '\n' * first + '__import__(' + repr(__name__) + ').magic(' + repr(lines[first]) + ')\n'
    found = False
    for i, l in enumerate(lines):
        s = l.strip()
        if s and _is_magic(s):
            indent = l[:len(l) - len(l.lstrip())]
            lines[i] = indent + '__import__(' + repr(__name__) + ').magic(' + repr(l) + ')'
            found = True
    return '\n'.join(lines) if found else None


# ---- one cell --------------------------------------------------------------------------------------------

def _error(e, code_line_file):
    """{type, message, traceback, traceback_lines, line} for the Jupyter error output."""
    name = type(e).__name__
    try:
        message = str(e)
    except BaseException:
        message = '<unprintable ' + name + ' object>'
    if isinstance(e, UsageError):
        lines = ['UsageError: ' + message]
    elif isinstance(e, SystemExit):
        lines = ['An exception has occurred, use %tb to see the full traceback.\n', name + (': ' + message if message else '') + '\n']
    else:
        try:
            lines = _tb.structured_traceback(e)
        except BaseException as inner:
            lines = [name + ': ' + message, '(formatting the traceback failed: ' + type(inner).__name__ + ')']
    line = None
    t = e.__traceback__
    while t is not None:
        if t.tb_frame.f_code.co_filename == code_line_file:
            line = t.tb_lineno
        t = t.tb_next
    return {'type': name, 'message': message, 'traceback': '\n'.join(lines), 'traceback_lines': lines, 'line': line}


def _remember(filename, code):
    lines = code.splitlines(True)
    if lines and not lines[-1].endswith('\n'):
        lines[-1] += '\n'
    linecache.cache[filename] = (sum(len(l) for l in lines), None, lines, filename)


def _leading_indent(code):
    """IPython's first transform: a cell whose first line is indented loses that indentation."""
    m = re.match(r'[ \t]+', code)
    if not m:
        return code
    space = m.group(0)
    return ''.join(l[len(space):] if l.startswith(space) else l for l in code.splitlines(True))


def run_cell(code, filename, count, fresh=False):
    """Run one notebook cell in the session namespace as execution count; returns {error, exit_code}.
    fresh: start from a new namespace and fresh interpreter state (like a new kernel, without reloading)."""
    code = _leading_indent(code)
    main = _R._main
    if fresh:
        _R._fresh_state(filename)
        _tb.cell_files.clear()
    if main is None or fresh:
        main = _R._main = _R._new_main(filename)
    sys.modules['__main__'] = main
    ns = main.__dict__
    _prepare_namespace(ns)
    _state['ns'] = ns
    _state['count'] = count
    builtins.display = display
    _store_input(ns, code, count)
    _tb.cell_files[filename] = count
    _remember(filename, code)
    error = None
    try:
        try:
            tree = compile(code, filename, 'exec', ast.PyCF_ONLY_AST, dont_inherit=True)
        except SyntaxError as e:
            alt = _transform_magics(code)
            try:
                tree = compile(alt, filename, 'exec', ast.PyCF_ONLY_AST, dont_inherit=True) if alt else None
            except SyntaxError:
                tree = None
            if tree is None:
                error = {'type': type(e).__name__, 'message': str(e), 'traceback_lines': _tb.syntax_traceback(e),
                         'line': e.lineno if e.filename == filename else None}
                error['traceback'] = '\n'.join(error['traceback_lines'])
        if tree is not None:
            body = tree.body
            last = body.pop() if body and isinstance(body[-1], ast.Expr) else None
            if body:
                exec(compile(ast.Module(body=body, type_ignores=[]), filename, 'exec', dont_inherit=True), ns)
            if last is not None:
                value = eval(compile(ast.Expression(body=last.value), filename, 'eval', dont_inherit=True), ns)
                _displayhook(value, code)
    except BaseException as e:
        _R._restore_streams()
        error = _error(e, filename)
    _R._restore_streams()
    _R._flush()
    return _R._js_result({'error': error, 'exit_code': 0 if error is None else 1})
`;
