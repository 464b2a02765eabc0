"""torch.autograd.functional: jacobian, hessian, vjp, jvp, vhp and hvp, built on torch.autograd.grad the way
PyTorch 1.13 builds them (row-by-row reverse mode; jvp/hvp with the double-backward trick). `vectorize=True`
computes the same values with the row loop; `strategy="forward-mode"` needs forward AD, which the engine lacks."""
import torch

__all__ = ['vjp', 'jvp', 'jacobian', 'hessian', 'hvp', 'vhp']


def _as_tuple(inp, arg_name, fn_name):
    """(was it a tuple, the tensors as a tuple); TypeError for anything but a Tensor or tuple of Tensors."""
    is_tuple = isinstance(inp, tuple)
    items = inp if is_tuple else (inp,)
    for i, el in enumerate(items):
        if not isinstance(el, torch.Tensor):
            where = 'value at index {} has type {}'.format(i, type(el)) if is_tuple else \
                'given {} has type {}'.format(arg_name, type(el))
            raise TypeError('The {} given to {} must be either a Tensor or a tuple of Tensors but the {}.'
                            .format(arg_name, fn_name, where))
    return is_tuple, items


def _unpack(res, to_unpack):
    """Undo the tuple wrapping: to_unpack is one flag, or (outputs were a tuple, inputs were a tuple)."""
    if isinstance(to_unpack, tuple):
        outs_tuple, ins_tuple = to_unpack
        if not ins_tuple:
            res = tuple(el[0] for el in res)
        return res if outs_tuple else res[0]
    return res if to_unpack else res[0]


def _prepare(inputs, create_graph, need_graph):
    """Fresh differentiable leaves (or, under create_graph, views that keep the caller's graph)."""
    return tuple(t.view_as(t) if create_graph and t.requires_grad else t.detach().requires_grad_(need_graph)
                 for t in inputs)


def _finish(results, create_graph):
    """Detach results (recursively through nested tuples) unless create_graph."""
    if isinstance(results[0], torch.Tensor):
        return results if create_graph else tuple(t.detach() for t in results)
    return tuple(_finish(r, create_graph) for r in results)


def _validate_v(v, other, other_is_tuple):
    if len(v) != len(other):
        if other_is_tuple:
            raise RuntimeError('v is a tuple of invalid length: should be {} but got {}.'.format(len(other), len(v)))
        raise RuntimeError('The given v should contain a single Tensor.')
    for i, (a, b) in enumerate(zip(v, other)):
        if a.size() != b.size():
            where = 'Entry {} in '.format(i) if other_is_tuple else ''
            raise RuntimeError('{}v has invalid size: should be {} but got {}.'.format(where, b.size(), a.size()))


_INDEPENDENT = {
    'hessian': 'The hessian of the user-provided function with respect to input {} is independent of the input. '
               'This is not allowed in strict mode. You should ensure that your function is thrice differentiable '
               'and that the hessian depends on the inputs.',
    'jacobian': 'While computing the hessian, found that the jacobian of the user-provided function with respect '
                'to input {} is independent of the input. This is not allowed in strict mode. You should ensure '
                'that your function is twice differentiable and that the jacobian depends on the inputs (this '
                'would be violated by a linear function for example).',
    'grad_inputs': 'The gradient with respect to input {} is independent of the inputs of the user-provided '
                   'function. This is not allowed in strict mode.',
    'outputs': 'Output {} of the user-provided function does not require gradients. The outputs must be computed '
               'in a differentiable manner from the input when running in strict mode.',
}


def _check_requires_grad(tensors, kind, strict):
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError('The output of the user-provided function is independent of input {}. '
                               'This is not allowed in strict mode.'.format(i))
        if not t.requires_grad:
            raise RuntimeError(_INDEPENDENT[kind].format(i))


def _grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """torch.autograd.grad over the outputs that require grad (allow_unused); all None when none does."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return torch.autograd.grad(tuple(p[0] for p in pairs), inputs, tuple(p[1] for p in pairs), allow_unused=True,
                               create_graph=create_graph, retain_graph=retain_graph)


_MISSING = {
    'back': 'The output of the user-provided function is independent of input {}. This is not allowed in strict mode.',
    'back_trick': 'The gradient with respect to the input is independent of entry {} in the grad_outputs when using '
                  'the double backward trick to compute forward mode gradients. This is not allowed in strict mode.',
    'double_back': 'The jacobian of the user-provided function is independent of input {}. This is not allowed in '
                   'strict mode.',
    'double_back_trick': 'The hessian of the user-provided function is independent of entry {} in the grad_jacobian. '
                         'This is not allowed in strict mode as it prevents from using the double backward trick to '
                         'replace forward mode AD.',
}


def _zeros_for_missing(grads, refs, strict, create_graph, stage):
    res = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(_MISSING[stage].format(i))
            g = torch.zeros_like(refs[i])
        elif strict and create_graph and not g.requires_grad:
            what = 'hessian' if 'double' in stage else 'jacobian'
            raise RuntimeError('The {} of the user-provided function is independent of input {}. This is not allowed '
                               'in strict mode when create_graph=True.'.format(what, i))
        res.append(g)
    return tuple(res)


def _v_or_single(v, refs, refs_tuple, fn_name, create_graph, none_msg):
    if v is not None:
        _, v = _as_tuple(v, 'v', fn_name)
        v = _prepare(v, create_graph, need_graph=False)
        _validate_v(v, refs, refs_tuple)
        return v
    if len(refs) != 1 or refs[0].nelement() != 1:
        raise RuntimeError(none_msg)
    return None


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the vector-Jacobian product at inputs."""
    with torch.enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, 'inputs', 'vjp')
        inputs = _prepare(inputs, create_graph, need_graph=True)
        outputs = func(*inputs)
        outputs_tuple, outputs = _as_tuple(outputs, 'outputs of the user-provided function', 'vjp')
        _check_requires_grad(outputs, 'outputs', strict)
        v = _v_or_single(v, outputs, outputs_tuple, 'vjp', create_graph,
                         'The vector v can only be None if the user-provided function returns a single Tensor '
                         'with a single element.')
    with torch.set_grad_enabled(True if create_graph else torch.is_grad_enabled()):
        res = _zeros_for_missing(_grad(outputs, inputs, v, create_graph=create_graph), inputs, strict, create_graph,
                                 'back')
    return _unpack(_finish(outputs, create_graph), outputs_tuple), _unpack(_finish(res, create_graph), inputs_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product, by differentiating a vjp w.r.t. its vector."""
    with torch.enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, 'inputs', 'jvp')
        inputs = _prepare(inputs, create_graph, need_graph=True)
        v = _v_or_single(v, inputs, inputs_tuple, 'jvp', create_graph,
                         'The vector v can only be None if the input to the user-provided function is a single '
                         'Tensor with a single element.')
        outputs = func(*inputs)
        outputs_tuple, outputs = _as_tuple(outputs, 'outputs of the user-provided function', 'jvp')
        _check_requires_grad(outputs, 'outputs', strict)
        dummies = tuple(torch.zeros_like(o, requires_grad=True) for o in outputs)
        grad_inputs = _grad(outputs, inputs, dummies, create_graph=True)
        _check_requires_grad(grad_inputs, 'grad_inputs', strict)
    with torch.set_grad_enabled(True if create_graph else torch.is_grad_enabled()):
        res = _zeros_for_missing(_grad(grad_inputs, dummies, v, create_graph=create_graph), outputs, strict,
                                 create_graph, 'back_trick')
    return _unpack(_finish(outputs, create_graph), outputs_tuple), _unpack(_finish(res, create_graph), outputs_tuple)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy='reverse-mode'):
    """The Jacobian of func at inputs: for each output and input, a tensor of shape out.shape + in.shape."""
    assert strategy in ('forward-mode', 'reverse-mode'), (
        'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your function has more outputs '
        'than inputs, "forward-mode" tends to be more performant. Otherwise, prefer to use "reverse-mode".')
    if strategy == 'forward-mode':
        if create_graph:
            raise NotImplementedError('torch.autograd.functional.jacobian: `create_graph=True` and '
                                      '`strategy="forward-mode"` are not supported together (yet). Please either set '
                                      '`create_graph=False` or `strategy="reverse-mode"`.')
        raise NotImplementedError('torch.autograd.functional.jacobian: strategy="forward-mode" needs forward-mode AD, '
                                  'which this engine does not support yet')
    with torch.enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, 'inputs', 'jacobian')
        inputs = _prepare(inputs, create_graph, need_graph=True)
        outputs = func(*inputs)
        outputs_tuple, outputs = _as_tuple(outputs, 'outputs of the user-provided function', 'jacobian')
        _check_requires_grad(outputs, 'outputs', strict)
        if vectorize and strict:
            raise RuntimeError('torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not '
                               'supported together. Please either set `strict=False` or `vectorize=False`.')
        result = []
        for i, out in enumerate(outputs):
            rows = [[] for _ in inputs]
            flat = out.reshape(-1)
            for j in range(out.nelement()):
                grads = _grad((flat[j],), inputs, retain_graph=True, create_graph=create_graph)
                for k, (g, inp) in enumerate(zip(grads, inputs)):
                    if g is None:
                        if strict:
                            raise RuntimeError('Output {} of the user-provided function is independent of input {}. '
                                               'This is not allowed in strict mode.'.format(i, k))
                        g = torch.zeros_like(inp)
                    elif strict and create_graph and not g.requires_grad:
                        raise RuntimeError('The jacobian of the user-provided function is independent of input {}. '
                                           'This is not allowed in strict mode when create_graph=True.'.format(i))
                    rows[k].append(g)
            result.append(tuple(torch.stack(r, dim=0).view(out.size() + inputs[k].size())
                                for k, r in enumerate(rows)))
        return _unpack(_finish(tuple(result), create_graph), (outputs_tuple, inputs_tuple))


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy='reverse-mode'):
    """The Hessian of a scalar function: the jacobian of its jacobian."""
    inputs_tuple, inputs = _as_tuple(inputs, 'inputs', 'hessian')
    assert outer_jacobian_strategy in ('forward-mode', 'reverse-mode'), (
        'Expected strategy to be either "forward-mode" or "reverse-mode".')

    def scalar_func(*inp):
        out = func(*inp)
        out_tuple, t_out = _as_tuple(out, 'outputs of the user-provided function', 'hessian')
        _check_requires_grad(t_out, 'outputs', strict)
        if out_tuple or not isinstance(out, torch.Tensor):
            raise RuntimeError('The function given to hessian should return a single Tensor')
        if out.nelement() != 1:
            raise RuntimeError('The Tensor returned by the function given to hessian should contain a single element')
        return out.squeeze()

    def jac_func(*inp):
        jac = jacobian(scalar_func, inp, create_graph=True)
        _check_requires_grad(jac, 'jacobian', strict)
        return jac

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize,
                   strategy=outer_jacobian_strategy)
    return _unpack(res, (inputs_tuple, inputs_tuple))


def _scalar_second_order(func, inputs, v, create_graph, strict, fn_name):
    """Shared start of vhp/hvp: inputs, v, the scalar output and its create_graph jacobian."""
    with torch.enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, 'inputs', fn_name)
        inputs = _prepare(inputs, create_graph, need_graph=True)
        v = _v_or_single(v, inputs, inputs_tuple, fn_name, create_graph,
                         'The vector v can only be None if the input to the user-provided function is a single '
                         'Tensor with a single element.')
        outputs = func(*inputs)
        out_tuple, outputs = _as_tuple(outputs, 'outputs of the user-provided function', fn_name)
        _check_requires_grad(outputs, 'outputs', strict)
        if out_tuple or not isinstance(outputs[0], torch.Tensor):
            raise RuntimeError('The function given to {} should return a single Tensor'.format(fn_name))
        if outputs[0].nelement() != 1:
            raise RuntimeError('The Tensor returned by the function given to {} should contain a single element'
                               .format(fn_name))
        jac = _grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, 'jacobian', strict)
    return inputs_tuple, inputs, v, outputs, jac


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H) for a scalar function."""
    inputs_tuple, inputs, v, outputs, jac = _scalar_second_order(func, inputs, v, create_graph, strict, 'vhp')
    with torch.set_grad_enabled(True if create_graph else torch.is_grad_enabled()):
        res = _zeros_for_missing(_grad(jac, inputs, v, create_graph=create_graph), inputs, strict, create_graph,
                                 'double_back')
    return _finish(outputs, create_graph)[0], _unpack(_finish(res, create_graph), inputs_tuple)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v) for a scalar function, by the double-backward trick."""
    inputs_tuple, inputs, v, outputs, jac = _scalar_second_order(func, inputs, v, create_graph, strict, 'hvp')
    with torch.enable_grad():
        dummies = tuple(torch.zeros_like(i, requires_grad=True) for i in inputs)
        double = _grad(jac, inputs, dummies, create_graph=True)
        _check_requires_grad(jac, 'hessian', strict)
    with torch.set_grad_enabled(True if create_graph else torch.is_grad_enabled()):
        res = _zeros_for_missing(_grad(double, dummies, v, create_graph=create_graph), inputs, strict, create_graph,
                                 'double_back_trick')
    return _finish(outputs, create_graph)[0], _unpack(_finish(res, create_graph), inputs_tuple)
