"""Where autograd nodes come from, for Gradscope's graph panel (not part of PyTorch's API).

site() is called by the engine (engine/autograd.ts, through bridge.ts's setSiteProvider) each time it
records a backward node, and only then. It answers with the user's file and line that ran the op, and
the nn.Module forward calls it ran inside, read from the Python call stack: no hook in nn.Module is
needed, and nothing of the user's code runs (frames, f_locals['self'] and instance dicts are read,
never an attribute lookup that could run a property).

tensor_names() lists the tensors the session's globals can reach by name (variables, and the
parameters and buffers of modules held in variables), for labelling leaves and picking a graph.
"""
import sys

import _gradscope as _gs
from pyodide.ffi import create_proxy, to_js

from . import _bridge

_getframe = sys._getframe
_modules = sys.modules
_isinstance = isinstance
_id = id
_type = type
_object_getattr = object.__getattribute__
_INTERNAL = ('/gradscope/', '<frozen', '<exec>', '/lib/python')
_RUNTIME = '/gradscope/runtime/'

# forward frames seen recently: id(frame) -> (frame, 'name:Type:call'); a frame is held (so its id is
# not reused by another call while the entry lives), at most _MAX_FRAMES of them
_frames = {}
_MAX_FRAMES = 32
_calls = [0]


def _module_class():
    nn = _modules.get('torch.nn')
    return nn.__dict__.get('Module') if nn is not None else None


def _instance_dict(obj):
    try:
        d = _object_getattr(obj, '__dict__')
    except BaseException:
        return None
    return d if _isinstance(d, dict) else None


def _child_name(parent, child):
    d = _instance_dict(parent)
    subs = d.get('_modules') if d is not None else None
    if _isinstance(subs, dict):
        for k, v in subs.items():
            if v is child:
                return str(k)
    return None


def _global_name(obj):
    main = _modules.get('__main__')
    ns = _instance_dict(main) if main is not None else None
    if ns:
        for k, v in ns.items():
            if v is obj and not k.startswith('_'):
                return k
    return None


def _segment(frame, module, parent):
    """'name:Type:call' for one forward call, cached per frame so every node of the call shares it."""
    hit = _frames.get(_id(frame))
    if hit is not None and hit[0] is frame:
        return hit[1]
    name = (_child_name(parent, module) if parent is not None else _global_name(module)) or _type(module).__name__.lower()
    _calls[0] += 1
    seg = name + ':' + _type(module).__name__ + ':' + str(_calls[0])
    if len(_frames) >= _MAX_FRAMES:
        del _frames[next(iter(_frames))]
    _frames[_id(frame)] = (frame, seg)
    return seg


def site():
    """'line\\tfile\\tmodule path' of the op being recorded, or None outside user code."""
    main = _modules.get('__main__')
    main_file = getattr(main, '__file__', None) if main is not None else None
    module_cls = _module_class()
    user = None
    forwards = []
    f = _getframe(1)
    while f is not None:
        code = f.f_code
        fn = code.co_filename
        if fn.startswith(_RUNTIME):
            break                          # the runner that runs the user's code: nothing of theirs below
        if user is None and (fn == main_file or not fn.startswith(_INTERNAL)):
            user = f
        if module_cls is not None and code.co_name == 'forward' and code.co_argcount:
            self = f.f_locals.get(code.co_varnames[0])
            if _isinstance(self, module_cls):
                forwards.append((f, self))
        f = f.f_back
    if user is None:
        return None
    path = []
    parent = None
    for frame, module in reversed(forwards):
        path.append(_segment(frame, module, parent))
        parent = module
    return str(user.f_lineno) + '\t' + user.f_code.co_filename + '\t' + '/'.join(path)


def _tensor_of(obj, base):
    if _isinstance(obj, base):
        try:
            return _object_getattr(obj, '_t')
        except BaseException:
            return None
    return None


def tensor_names():
    """[[name, engine tensor], ...] for the session's global tensors, then module parameters/buffers
    (model.fc1.weight), as a JS array. Reads dicts only: no user code runs."""
    from ._bridge import _TensorBase
    main = _modules.get('__main__')
    ns = _instance_dict(main) if main is not None else None
    out = []
    if not ns:
        return to_js(out)
    module_cls = _module_class()
    mods = []
    for k, v in list(ns.items()):
        if k.startswith('_'):
            continue
        t = _tensor_of(v, _TensorBase)
        if t is not None:
            out.append([k, t])
        elif module_cls is not None and _isinstance(v, module_cls):
            mods.append((k, v))
    seen = set()
    while mods:
        prefix, m = mods.pop(0)
        if _id(m) in seen or len(seen) > 10000:
            continue
        seen.add(_id(m))
        d = _instance_dict(m) or {}
        for store in ('_parameters', '_buffers'):
            s = d.get(store)
            if _isinstance(s, dict):
                for k, v in s.items():
                    t = _tensor_of(v, _TensorBase)
                    if t is not None:
                        out.append([prefix + '.' + str(k), t])
        subs = d.get('_modules')
        if _isinstance(subs, dict):
            for k, v in subs.items():
                if v is not None:
                    mods.append((prefix + '.' + str(k), v))
    return to_js(out)


@_bridge.js_setup
def _install_site_provider():
    _gs.setSiteProvider(create_proxy(site))
