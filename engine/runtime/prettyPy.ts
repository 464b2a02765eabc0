// IPython's pretty-printing for notebook cell values (the text/plain of Out[N] and display()), as the
// Python module the runtime worker installs beside its runner. Same layout rules as IPython.lib.pretty:
// a long list or dict breaks one item per line, a multi-line repr (a tensor) keeps its indentation
// inside a container, `_repr_pretty_(p, cycle)` methods get a printer with IPython's API. Pinned by
// test/fixtures/notebook.json (real IPython).

/** Module name inside Pyodide. */
export const PRETTY_MODULE = '_gradscope_pretty';

export const PRETTY_PY = String.raw`
import collections, datetime, inspect, os, re, types

class _Group:
    __slots__ = ('depth', 'breakables', 'want_break')

    def __init__(self, depth):
        self.depth = depth
        self.breakables = collections.deque()
        self.want_break = False


class _Text:
    __slots__ = ('parts', 'width')

    def __init__(self):
        self.parts = []
        self.width = 0

    def output(self, p, col):
        p._out.extend(self.parts)
        return col + self.width


class _Breakable:
    __slots__ = ('sep', 'width', 'indentation', 'group', 'printer')

    def __init__(self, sep, printer):
        self.sep = sep
        self.width = len(sep)
        self.printer = printer
        self.indentation = printer.indentation
        self.group = printer._groups[-1]
        self.group.breakables.append(self)

    def output(self, p, col):
        g = self.group
        g.breakables.popleft()
        if g.want_break:
            p._out.append('\n' + ' ' * self.indentation)
            return self.indentation
        if not g.breakables:
            p._queue_remove(g)
        p._out.append(self.sep)
        return col + self.width


class RepresentationPrinter:
    """The printer handed to _repr_pretty_(self, p, cycle): text, breakable, break_, group, indent, pretty."""

    def __init__(self, max_width=79, max_seq_length=1000):
        self.max_width = max_width
        self.max_seq_length = max_seq_length
        self.verbose = False
        self.output_width = 0
        self.buffer_width = 0
        self.indentation = 0
        self._out = []
        self.buffer = collections.deque()
        root = _Group(0)
        self._groups = [root]
        self._levels = []
        self._queue_add(root)
        self._stack = []

    # the queue of open groups by depth
    def _queue_add(self, g):
        while g.depth > len(self._levels) - 1:
            self._levels.append([])
        self._levels[g.depth].append(g)

    def _queue_remove(self, g):
        try:
            self._levels[g.depth].remove(g)
        except ValueError:
            pass

    def _queue_take(self):
        for level in self._levels:
            for idx, g in enumerate(reversed(level)):
                if g.breakables:
                    # position counted from the end but removed from the front, as IPython does
                    del level[idx]
                    g.want_break = True
                    return g
            for g in level:
                g.want_break = True
            del level[:]
        return None

    def _break_group(self, g):
        while g.breakables:
            x = self.buffer.popleft()
            self.output_width = x.output(self, self.output_width)
            self.buffer_width -= x.width
        while self.buffer and isinstance(self.buffer[0], _Text):
            x = self.buffer.popleft()
            self.output_width = x.output(self, self.output_width)
            self.buffer_width -= x.width

    def _break_outer(self):
        while self.max_width < self.output_width + self.buffer_width:
            g = self._queue_take()
            if g is None:
                return
            self._break_group(g)

    def text(self, obj):
        w = len(obj)
        if self.buffer:
            t = self.buffer[-1]
            if not isinstance(t, _Text):
                t = _Text()
                self.buffer.append(t)
            t.parts.append(obj)
            t.width += w
            self.buffer_width += w
            self._break_outer()
        else:
            self._out.append(obj)
            self.output_width += w

    def breakable(self, sep=' '):
        g = self._groups[-1]
        if g.want_break:
            self.flush()
            self._out.append('\n' + ' ' * self.indentation)
            self.output_width = self.indentation
            self.buffer_width = 0
        else:
            self.buffer.append(_Breakable(sep, self))
            self.buffer_width += len(sep)
            self._break_outer()

    def break_(self):
        g = self._queue_take()
        if g is not None:
            self._break_group(g)
        self.flush()
        self._out.append('\n' + ' ' * self.indentation)
        self.output_width = self.indentation
        self.buffer_width = 0

    def begin_group(self, indent=0, open=''):
        if open:
            self.text(open)
        g = _Group(self._groups[-1].depth + 1)
        self._groups.append(g)
        self._queue_add(g)
        self.indentation += indent

    def end_group(self, dedent=0, close=''):
        self.indentation -= dedent
        g = self._groups.pop()
        if not g.breakables:
            self._queue_remove(g)
        if close:
            self.text(close)

    def group(self, indent=0, open='', close=''):
        return _GroupContext(self, indent, open, close)

    def indent(self, indent):
        return _IndentContext(self, indent)

    def flush(self):
        for x in self.buffer:
            # IPython adds the returned column to the column: kept, it decides later breaks
            self.output_width += x.output(self, self.output_width)
        self.buffer.clear()
        self.buffer_width = 0

    def _enumerate(self, seq):
        for idx, x in enumerate(seq):
            if self.max_seq_length and idx >= self.max_seq_length:
                self.text(',')
                self.breakable()
                self.text('...')
                return
            yield idx, x

    def pretty(self, obj):
        oid = id(obj)
        cycle = oid in self._stack
        self._stack.append(oid)
        self.begin_group()
        try:
            if oid in _SINGLETONS:
                return _repr_pp(obj, self, cycle)
            klass = _safe_getattr(obj, '__class__', None) or type(obj)
            for cls in _mro(klass):
                fn = _TYPE_PRINTERS.get(cls)
                if fn is None:
                    fn = _by_name(cls)
                if fn is not None:
                    return fn(obj, self, cycle)
                d = cls.__dict__
                if '_repr_pretty_' in d and callable(cls._repr_pretty_):
                    return cls._repr_pretty_(obj, self, cycle)
                if cls is not object and callable(d.get('__repr__')):
                    return _repr_pp(obj, self, cycle)
            return _default_pp(obj, self, cycle)
        finally:
            self.end_group()
            self._stack.pop()

    def getvalue(self):
        self.flush()
        return ''.join(self._out)


class _GroupContext:
    def __init__(self, p, indent, open, close):
        self.p, self.indent, self.open, self.close = p, indent, open, close

    def __enter__(self):
        self.p.begin_group(self.indent, self.open)

    def __exit__(self, *exc):
        self.p.end_group(self.indent, self.close)


class _IndentContext:
    def __init__(self, p, indent):
        self.p, self.n = p, indent

    def __enter__(self):
        self.p.indentation += self.n

    def __exit__(self, *exc):
        self.p.indentation -= self.n


def _safe_getattr(obj, name, default=None):
    try:
        return getattr(obj, name, default)
    except Exception:
        return default


def _mro(klass):
    mro = _safe_getattr(klass, '__mro__', None)
    return mro if isinstance(mro, tuple) else (klass,)


def pretty(obj, max_width=79):
    p = RepresentationPrinter(max_width)
    p.pretty(obj)
    return p.getvalue()


def _repr_pp(obj, p, cycle):
    with p.group():
        for i, line in enumerate(repr(obj).splitlines()):
            if i:
                p.break_()
            p.text(line)


def _seq_pp(start, end):
    def pp(obj, p, cycle):
        if cycle:
            return p.text(start + '...' + end)
        n = len(start)
        p.begin_group(n, start)
        for i, x in p._enumerate(obj):
            if i:
                p.text(',')
                p.breakable()
            p.pretty(x)
        if len(obj) == 1 and isinstance(obj, tuple):
            p.text(',')
        p.end_group(n, end)
    return pp


def _sorted_items(items):
    items = list(items)
    try:
        return sorted(items)
    except Exception:
        try:
            return sorted(items, key=str)
        except Exception:
            return items


def _set_pp(start, end):
    def pp(obj, p, cycle):
        if cycle:
            return p.text(start + '...' + end)
        if not len(obj):
            return p.text(type(obj).__name__ + '()')
        n = len(start)
        p.begin_group(n, start)
        items = obj if (p.max_seq_length and len(obj) >= p.max_seq_length) else _sorted_items(obj)
        for i, x in p._enumerate(items):
            if i:
                p.text(',')
                p.breakable()
            p.pretty(x)
        p.end_group(n, end)
    return pp


def _dict_pp(start, end):
    def pp(obj, p, cycle):
        if cycle:
            return p.text('{...}')
        n = len(start)
        p.begin_group(n, start)
        for i, key in p._enumerate(obj.keys()):
            if i:
                p.text(',')
                p.breakable()
            p.pretty(key)
            p.text(': ')
            p.pretty(obj[key])
        p.end_group(n, end)
    return pp


class _Raw:
    def __init__(self, text):
        self.value = text

    def _repr_pretty_(self, p, cycle):
        p.text(self.value)


def _call_pp(p, name, args, kwargs=()):
    prefix = name + '('
    with p.group(len(prefix), prefix, ')'):
        first = True
        for a in args:
            if not first:
                p.text(',')
                p.breakable()
            first = False
            p.pretty(a)
        for k, v in kwargs:
            if not first:
                p.text(',')
                p.breakable()
            first = False
            with p.group(len(k) + 1, k + '='):
                p.pretty(v)


def _call_printer(build):
    def pp(obj, p, cycle):
        name = obj.__class__.__name__
        if cycle:
            return _call_pp(p, name, [_Raw('...')])
        args, kwargs = build(obj)
        _call_pp(p, name, args, kwargs)
    return pp


def _type_pp(obj, p, cycle):
    if [m for m in _mro(type(obj)) if '__repr__' in vars(m)][:1] != [type]:
        return _repr_pp(obj, p, cycle)
    mod = _safe_getattr(obj, '__module__', None)
    name = _safe_getattr(obj, '__qualname__', None)
    if not isinstance(name, str):
        name = _safe_getattr(obj, '__name__', None)
        if not isinstance(name, str):
            name = '<unknown type>'
    p.text(name if mod in (None, '__builtin__', 'builtins', 'exceptions') else mod + '.' + name)


def _function_pp(obj, p, cycle):
    name = _safe_getattr(obj, '__qualname__', obj.__name__)
    mod = obj.__module__
    if mod and mod not in ('__builtin__', 'builtins', 'exceptions'):
        name = mod + '.' + name
    try:
        sig = name + str(inspect.signature(obj))
    except (ValueError, TypeError):
        sig = name
    p.text('<function ' + sig + '>')


def _exception_pp(obj, p, cycle):
    k = obj.__class__
    name = getattr(k, '__qualname__', k.__name__)
    if k.__module__ not in ('exceptions', 'builtins'):
        name = k.__module__ + '.' + name
    _call_pp(p, name, list(getattr(obj, 'args', ())))


def _super_pp(obj, p, cycle):
    p.begin_group(8, '<super: ')
    p.pretty(obj.__thisclass__)
    p.text(',')
    p.breakable()
    p.pretty(obj.__self__)
    p.end_group(8, '>')


_RE_FLAGS = ('TEMPLATE', 'IGNORECASE', 'LOCALE', 'MULTILINE', 'DOTALL', 'UNICODE', 'VERBOSE', 'DEBUG')


class _ReFlags:
    def __init__(self, value):
        self.value = value

    def _repr_pretty_(self, p, cycle):
        names = [f for f in _RE_FLAGS if hasattr(re, f) and self.value & getattr(re, f)]
        p.text('|'.join('re.' + f for f in names))


def _re_pp(obj, p, cycle):
    text = repr(obj.pattern)
    if text[:1] in 'uU':
        text, prefix = text[1:], 'ur'
    else:
        prefix = 'r'
    args = [_Raw(prefix + text.replace('\\\\', '\\'))]
    if obj.flags:
        args.append(_ReFlags(obj.flags))
    _call_pp(p, 're.compile', args)


def _namespace_pp(obj, p, cycle):
    if cycle:
        return _call_pp(p, 'namespace', [_Raw('...')])
    _call_pp(p, 'namespace', [], list(obj.__dict__.items()))


def _default_pp(obj, p, cycle):
    klass = _safe_getattr(obj, '__class__', None) or type(obj)
    if _safe_getattr(klass, '__repr__', None) is not object.__repr__:
        return _repr_pp(obj, p, cycle)
    p.begin_group(1, '<')
    p.pretty(klass)
    p.text(' at 0x%x' % id(obj))
    if cycle:
        p.text(' ...')
    p.end_group(1, '>')


_SINGLETONS = set(map(id, [None, True, False, Ellipsis, NotImplemented]))
_TYPE_PRINTERS = {
    int: _repr_pp, float: _repr_pp, str: _repr_pp, bytes: _repr_pp, range: _repr_pp, slice: _repr_pp,
    tuple: _seq_pp('(', ')'), list: _seq_pp('[', ']'),
    dict: _dict_pp('{', '}'), types.MappingProxyType: _dict_pp('mappingproxy({', '})'),
    set: _set_pp('{', '}'), frozenset: _set_pp('frozenset({', '})'),
    super: _super_pp, type(re.compile('')): _re_pp, type: _type_pp,
    types.FunctionType: _function_pp, types.BuiltinFunctionType: _function_pp, types.MethodType: _repr_pp,
    types.SimpleNamespace: _namespace_pp, datetime.datetime: _repr_pp, datetime.timedelta: _repr_pp,
    BaseException: _exception_pp,
}
if type(os.environ) is not dict:
    _TYPE_PRINTERS[type(os.environ)] = _dict_pp('environ{', '}')

_NAMED_PRINTERS = {
    ('collections', 'defaultdict'): _call_printer(lambda o: ([o.default_factory, dict(o)], [])),
    ('collections', 'OrderedDict'): _call_printer(lambda o: ([list(o.items())] if len(o) else [], [])),
    ('collections', 'deque'): _call_printer(lambda o: ([list(o)], [('maxlen', o.maxlen)] if o.maxlen is not None else [])),
    ('collections', 'Counter'): _call_printer(lambda o: ([dict(o)] if len(o) else [], [])),
    ('collections', 'UserList'): _call_printer(lambda o: ([o.data], [])),
}


def _by_name(cls):
    key = (_safe_getattr(cls, '__module__', None), _safe_getattr(cls, '__name__', None))
    fn = _NAMED_PRINTERS.get(key)
    if fn is not None:
        _TYPE_PRINTERS[cls] = fn
    return fn


`;
