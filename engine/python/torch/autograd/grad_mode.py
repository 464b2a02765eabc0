"""torch.no_grad / enable_grad / set_grad_enabled / inference_mode: context managers and decorators
over the engine's grad mode (PyTorch 1.13's torch/autograd/grad_mode.py)."""
import functools
import inspect

import _gradscope as _gs

__all__ = ['no_grad', 'enable_grad', 'set_grad_enabled', 'inference_mode']


class _DecoratorContextManager:
    """A context manager that also decorates functions (and generator functions) with itself."""

    def __call__(self, func):
        if inspect.isclass(func):
            raise RuntimeError('Decorating classes is deprecated and will be disabled in future versions. '
                               'You should only decorate functions or methods. To preserve the current behavior '
                               'of class decoration, you can directly decorate the `__init__` method and nothing else.')
        if inspect.isgeneratorfunction(func):
            return self._wrap_generator(func)

        @functools.wraps(func)
        def decorate_context(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)
        return decorate_context

    def _wrap_generator(self, func):
        @functools.wraps(func)
        def generator_context(*args, **kwargs):
            gen = func(*args, **kwargs)
            try:
                with self.clone():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        with self.clone():
                            gen.close()
                        raise
                    except BaseException as e:
                        with self.clone():
                            response = gen.throw(e)
                    else:
                        with self.clone():
                            response = gen.send(request)
            except StopIteration as e:
                return e.value
        return generator_context

    def __enter__(self):
        raise NotImplementedError

    def __exit__(self, exc_type, exc_value, traceback):
        raise NotImplementedError

    def clone(self):
        return self.__class__()


class no_grad(_DecoratorContextManager):
    """Disables gradient recording inside the block (or the decorated function)."""

    def __init__(self):
        self.prev = False

    def __enter__(self):
        self.prev = _gs.isGradEnabled()
        _gs.setGradEnabled(False)

    def __exit__(self, exc_type, exc_value, traceback):
        _gs.setGradEnabled(self.prev)


class enable_grad(_DecoratorContextManager):
    """Enables gradient recording inside the block (e.g. within no_grad)."""

    def __enter__(self):
        self.prev = _gs.isGradEnabled()
        _gs.setGradEnabled(True)

    def __exit__(self, exc_type, exc_value, traceback):
        _gs.setGradEnabled(self.prev)


class set_grad_enabled(_DecoratorContextManager):
    """set_grad_enabled(mode): takes effect at once; as a context manager it restores the old mode on exit."""

    def __init__(self, mode):
        self.prev = _gs.isGradEnabled()
        _gs.setGradEnabled(bool(mode))
        self.mode = mode

    def __call__(self, orig_func):
        _gs.setGradEnabled(self.prev)
        return super().__call__(orig_func)

    def __enter__(self):
        _gs.setGradEnabled(bool(self.mode))

    def __exit__(self, exc_type, exc_value, traceback):
        _gs.setGradEnabled(self.prev)

    def clone(self):
        return self.__class__(self.mode)


class inference_mode(_DecoratorContextManager):
    """inference_mode(mode=True): no gradient recording (and inference mode flagged) inside the block."""

    def __init__(self, mode=True):
        self.mode = mode

    def __enter__(self):
        self.prev = (_gs.isGradEnabled(), _gs.isInferenceMode())
        if self.mode:
            _gs.setGradEnabled(False)
        _gs.setInferenceMode(bool(self.mode))

    def __exit__(self, exc_type, exc_value, traceback):
        _gs.setGradEnabled(self.prev[0])
        _gs.setInferenceMode(self.prev[1])

    def clone(self):
        return self.__class__(self.mode)
