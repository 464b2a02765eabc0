// The Python sources the runtime worker installs: the `torch` package (every file under engine/python/,
// read from the source tree in development and tests, from dist/python in the bundle) and the
// worker's own runner module (RUNNER_PY below), which runs user code as __main__, formats tracebacks
// and looks names up for inspect() without running user code.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where engine/python lives relative to this file: beside the bundle (dist/python) or in the tree. */
export function findPythonDir(baseDir: string = __dirname): string | null {
  for (const dir of [path.join(baseDir, 'python'), path.resolve(baseDir, '../python')]) {
    if (fs.existsSync(path.join(dir, 'torch'))) return dir;
  }
  return null;
}

/** Every file under `dir`, keyed by its path relative to `dir` with '/' separators. */
export function loadPythonFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (sub: string) => {
    for (const ent of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${ent.name}` : ent.name;
      if (ent.isDirectory()) {
        if (ent.name !== '__pycache__') walk(rel);
      } else if (ent.isFile() && !ent.name.endsWith('.pyc')) {
        out[rel] = fs.readFileSync(path.join(dir, rel), 'utf8');
      }
    }
  };
  walk('');
  return out;
}

/** Module name of the runner inside Pyodide. */
export const RUNNER_MODULE = '_gradscope_runner';

/**
 * The runner. Everything it needs from builtins is bound at import time, so a program that deletes
 * builtins or replaces sys.stdout cannot break the next run; process-wide state a program may change
 * (builtins, sys streams and hooks, sys.path/argv, cwd, recursion limit, warning filters, torch modules
 * in sys.modules) is put back before a fresh run.
 */
export const RUNNER_PY = String.raw`
import builtins, inspect as _inspect, linecache, os, reprlib, sys, traceback, types, warnings
from js import Object
from pyodide.ffi import JsProxy, to_js
from _gradscope_runtime import is_engine_tensor as _is_engine_tensor

_G = globals()
_MISSING = object()
_str, _len, _isinstance, _type, _dict, _getattr, _id = str, len, isinstance, type, dict, getattr, id
_BaseException, _SystemExit, _SyntaxError = BaseException, SystemExit, SyntaxError
_builtins_dict = builtins.__dict__
_builtins_snapshot = dict(_builtins_dict)
_sys_names = ('stdout', 'stderr', 'stdin', 'displayhook', 'excepthook', 'breakpointhook', 'unraisablehook')
_sys_snapshot = {n: getattr(sys, n) for n in _sys_names if hasattr(sys, n)}
_path = list(sys.path)
_cwd = os.getcwd()
_recursion_limit = sys.getrecursionlimit()
_modules = {}
_warnings_saved = None
_main = None


def _os_exit(code=0):
    """os._exit would end the whole interpreter (Pyodide cannot recover): end the program instead."""
    raise SystemExit(code)


def _os_abort():
    raise SystemExit(134)


os._exit = _os_exit
os.abort = _os_abort


def snapshot():
    """Called once torch is imported: what a fresh run restores."""
    global _modules, _warnings_saved
    _modules = dict(sys.modules)
    _warnings_saved = warnings.catch_warnings()
    _warnings_saved.__enter__()


def _restore_streams():
    bd = _builtins_dict
    for k, v in _builtins_snapshot.items():
        if bd.get(k, _MISSING) is not v:
            bd[k] = v
    for k, v in _sys_snapshot.items():
        setattr(sys, k, v)


def _fresh_state(filename):
    global _warnings_saved
    _restore_streams()
    sys.path[:] = _path
    sys.argv = [filename]
    try:
        os.chdir(_cwd)
    except OSError:
        pass
    sys.setrecursionlimit(_recursion_limit)
    os._exit = _os_exit
    os.abort = _os_abort
    mods = sys.modules
    for k, v in _modules.items():
        if mods.get(k, _MISSING) is not v:
            mods[k] = v
    if _warnings_saved is not None:
        _warnings_saved.__exit__(None, None, None)
        _warnings_saved = warnings.catch_warnings()
        _warnings_saved.__enter__()


def _new_main(filename):
    m = types.ModuleType('__main__')
    m.__file__ = filename
    m.__builtins__ = builtins
    m.__cached__ = None
    return m


def _remember_source(filename, first_line, code):
    """linecache entry for the user's file; selections overlay the lines already known."""
    new = code.splitlines(True)
    if new and not new[-1].endswith('\n'):
        new[-1] += '\n'
    old = linecache.cache.get(filename)
    lines = list(old[2]) if old and old[1] is None else []
    start = first_line - 1
    if _len(lines) < start + _len(new):
        lines.extend(['\n'] * (start + _len(new) - _len(lines)))
    lines[start:start + _len(new)] = new
    linecache.cache[filename] = (sum(_len(l) for l in lines), None, lines, filename)


def _user_tb(tb):
    while tb is not None and tb.tb_frame.f_globals is _G:
        tb = tb.tb_next
    return tb


def _describe(e, filename):
    tb = _user_tb(e.__traceback__)
    try:
        message = _str(e)
    except _BaseException:
        message = '<exception str() failed>'
    try:
        text = ''.join(traceback.format_exception(_type(e), e, tb))
    except _BaseException:
        text = _type(e).__name__ + ': ' + message + '\n'
    line = None
    for frame, lineno in traceback.walk_tb(tb):
        if frame.f_code.co_filename == filename:
            line = lineno
    if _isinstance(e, _SyntaxError) and e.filename == filename and e.lineno:
        line = e.lineno
    return {'type': _type(e).__name__, 'message': message, 'traceback': text, 'line': line}


def _exit_status(e):
    code = e.code
    if code is None:
        return 0, None
    if _isinstance(code, int):
        return code, None
    try:
        text = _str(code)
    except _BaseException:
        text = ''
    return 1, text


def _flush():
    for s in (sys.stdout, sys.stderr):
        try:
            s.flush()
        except _BaseException:
            pass


def run(code, filename, first_line, fresh):
    """Run code as __main__; returns {'error': None | {...}, 'exit_code': int} (a JS object)."""
    global _main
    if fresh or _main is None:
        if fresh:
            _fresh_state(filename)
        _main = _new_main(filename)
    sys.modules['__main__'] = _main
    error, exit_code = None, 0
    try:
        _remember_source(filename, first_line, code)
        compiled = compile('\n' * (first_line - 1) + code, filename, 'exec', dont_inherit=True)
        exec(compiled, _main.__dict__)
    except _SystemExit as e:
        _restore_streams()
        _flush()
        exit_code, text = _exit_status(e)
        if text is not None:
            sys.stderr.write(text + '\n')
        if exit_code != 0:
            error = {'type': 'SystemExit', 'message': _str(e), 'traceback': '', 'line': None}
    except _BaseException as e:
        _restore_streams()
        error, exit_code = _describe(e, filename), 1
    _restore_streams()
    _flush()
    return _js_result({'error': error, 'exit_code': exit_code})


def _js_result(d):
    return to_js(d, dict_converter=Object.fromEntries)


# ---- inspect: find a value by name / attribute chain without running user code ----

def _instance_dict(obj):
    try:
        d = object.__getattribute__(obj, '__dict__')
    except _BaseException:
        return None
    return d if _isinstance(d, _dict) else None


def _trusted(fn):
    mod = _getattr(fn, '__module__', None) or ''
    return mod == 'torch' or mod.startswith('torch.') or mod.startswith('_gradscope')


def _static_attr(obj, name):
    """(value, None) or (None, reason). Runs only torch's own properties, never user descriptors."""
    try:
        v = _inspect.getattr_static(obj, name)
    except AttributeError:
        v = _MISSING
    d = _instance_dict(obj)
    if v is _MISSING:
        for store in ('_parameters', '_buffers', '_modules'):
            s = d.get(store) if d is not None else None
            if _isinstance(s, _dict) and name in s:
                return s[name], None
        return None, "has no attribute '" + name + "'"
    if d is not None and name in d and d[name] is v:
        return v, None
    if _isinstance(obj, (types.ModuleType, type)):
        return v, None
    if _isinstance(v, (types.GetSetDescriptorType, types.MemberDescriptorType)):
        return v.__get__(obj, _type(obj)), None
    if _isinstance(v, property):
        if v.fget is not None and _trusted(v.fget):
            return v.fget(obj), None
        return None, "'" + name + "' is a property (not evaluated)"
    if _isinstance(v, (types.FunctionType, types.BuiltinFunctionType, staticmethod, classmethod)):
        return v, None
    if hasattr(_type(v), '__get__'):
        return None, "'" + name + "' is computed by a descriptor (not evaluated)"
    return v, None


def _engine_tensor(obj):
    """The JS engine tensor behind a torch.Tensor (a JsProxy held in its __dict__ or slots)."""
    if _isinstance(obj, JsProxy):
        return obj if _is_engine_tensor(obj) else None
    values = list((_instance_dict(obj) or {}).values())
    for klass in _type(obj).__mro__:
        slots = klass.__dict__.get('__slots__', ())
        for slot in (slots,) if _isinstance(slots, _str) else slots:
            try:
                values.append(object.__getattribute__(obj, slot))
            except _BaseException:
                pass
    for v in values:
        if _isinstance(v, JsProxy) and _is_engine_tensor(v):
            return v
    return None


class _SafeRepr(reprlib.Repr):
    def repr_instance(self, x, level):
        t = _type(x)
        if t.__module__ == 'builtins':
            return reprlib.Repr.repr_instance(self, x, level)
        if _engine_tensor(x) is not None:
            return '<tensor>'
        return '<' + t.__module__ + '.' + t.__qualname__ + ' object>'


_safe = _SafeRepr()
_safe.maxstring = 200
_safe.maxother = 200


def _type_name(obj):
    t = _type(obj)
    return t.__qualname__ if t.__module__ == 'builtins' else t.__module__ + '.' + t.__qualname__


def _class_attr(obj, name):
    """The class attribute called name, found through the MRO, without calling anything."""
    for k in _type(obj).__mro__:
        if name in k.__dict__:
            return k.__dict__[name]
    return None


def _module_store(m, store):
    d = _instance_dict(m)
    s = d.get(store) if d is not None else None
    return s if _isinstance(s, _dict) else {}


def _module_repr(m, module_cls):
    """Module.__repr__ rebuilt from the module's own dicts: torch's extra_repr/__repr__ run (library code),
    a user's override does not (hover never runs user code)."""
    rep = _class_attr(m, '__repr__')
    if rep is not None and rep is not module_cls.__dict__.get('__repr__'):
        if _trusted(rep):
            return rep(m)
        return _type(m).__name__ + '(…)  # its own __repr__ (user code, not run)'
    extra_fn = _class_attr(m, 'extra_repr')
    if extra_fn is None or _trusted(extra_fn):
        extra = extra_fn(m) if extra_fn is not None else ''
    else:
        extra = '…  # extra_repr (user code, not run)'
    extra_lines = extra.split('\n') if extra else []
    child_lines = []
    for key, sub in _module_store(m, '_modules').items():
        text = _module_repr(sub, module_cls) if sub is not None else 'None'
        lines = text.split('\n')
        text = lines[0] if len(lines) == 1 else '\n'.join([lines[0]] + ['  ' + line for line in lines[1:]])
        child_lines.append('(' + key + '): ' + text)
    lines = extra_lines + child_lines
    text = _type(m).__name__ + '('
    if lines:
        if len(extra_lines) == 1 and not child_lines:
            text += extra_lines[0]
        else:
            text += '\n  ' + '\n  '.join(lines) + '\n'
    return text + ')'


def _module_counts(m, seen=None):
    """(parameters, trainable) over the module tree, each parameter once (as Module.parameters() counts)."""
    seen = set() if seen is None else seen
    total = trainable = 0
    for prm in _module_store(m, '_parameters').values():
        jt = _engine_tensor(prm) if prm is not None else None
        if jt is None or _id(prm) in seen:
            continue
        seen.add(_id(prm))
        n = 1
        for s in jt.shape:
            n *= s
        total += n
        trainable += n if jt.requiresGrad else 0
    for sub in _module_store(m, '_modules').values():
        if sub is not None:
            t, tr = _module_counts(sub, seen)
            total += t
            trainable += tr
    return total, trainable


def inspect_value(expr):
    parts = expr.strip().split('.')
    if not parts[0].isidentifier() or not all(p.isidentifier() or p.isdigit() for p in parts[1:]):
        return _js_result({'kind': 'notFound', 'expr': expr, 'reason': 'not a name or attribute chain'})
    ns = _main.__dict__ if _main is not None else {}
    if parts[0] not in ns:
        return _js_result({'kind': 'notFound', 'expr': expr, 'reason': "name '" + parts[0] + "' is not defined"})
    obj = ns[parts[0]]
    for i, p in enumerate(parts[1:]):
        jt = _engine_tensor(obj)
        if jt is not None and p == 'grad':
            obj = jt.grad
            continue
        obj, reason = _static_attr(obj, p)
        if reason is not None:
            return _js_result({'kind': 'notFound', 'expr': expr, 'reason': '.'.join(parts[:i + 1]) + ' ' + reason})
    jt = _engine_tensor(obj)
    if jt is not None:
        return _js_result({'kind': 'tensor', 'expr': expr, 'type': _type_name(obj), 'tensor': jt})
    nn = sys.modules.get('torch.nn')
    module_cls = _getattr(nn, 'Module', None) if nn is not None else None
    if module_cls is not None and _isinstance(obj, module_cls):
        try:
            text = _module_repr(obj, module_cls)
            total, trainable = _module_counts(obj)
        except _BaseException as e:
            text, total, trainable = '<repr failed: ' + _type(e).__name__ + '>', 0, 0
        return _js_result({'kind': 'module', 'expr': expr, 'type': _type_name(obj), 'repr': text,
                           'parameterCount': total, 'trainableCount': trainable})
    try:
        text = _safe.repr(obj)
    except _BaseException as e:
        text = '<repr failed: ' + _type(e).__name__ + '>'
    return _js_result({'kind': 'value', 'expr': expr, 'type': _type_name(obj), 'repr': text})
`;
