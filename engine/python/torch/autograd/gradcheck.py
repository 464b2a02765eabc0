"""torch.autograd.gradcheck / gradgradcheck: the analytical Jacobian (backward, one output element at a
time) against central finite differences (each input element perturbed in place by ±eps), element-wise
within atol + rtol * |numerical|. Returns True, or raises GradcheckError (raise_exception=False: False)."""
import warnings

import torch

__all__ = ['gradcheck', 'gradgradcheck', 'GradcheckError']


class GradcheckError(RuntimeError):
    """Raised by gradcheck and gradgradcheck when a check fails."""


GradcheckError.__module__ = 'torch.autograd.gradcheck'


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(func, inputs):
    return tuple(o for o in _as_tuple(func(*inputs)) if isinstance(o, torch.Tensor))


def _numerical(func, inputs, diff, out_sizes, eps):
    """[input][output] Jacobians, shape (input numel, output numel), by central differences."""
    jac = [[torch.zeros(t.numel(), n, dtype=t.dtype) for n in out_sizes] for t in diff]
    for i, t in enumerate(diff):
        flat = t.data.view(-1)   # .data: the perturbations do not bump t's version
        for k in range(t.numel()):
            orig = flat[k].item()
            flat[k] = orig - eps
            lo = [o.detach().reshape(-1).clone() for o in _outputs(func, inputs)]
            flat[k] = orig + eps
            hi = [o.detach().reshape(-1).clone() for o in _outputs(func, inputs)]
            flat[k] = orig
            for j, (a, b) in enumerate(zip(lo, hi)):
                jac[i][j][k] = (b - a) / (2 * eps)
    return jac


def _analytical(outputs, diff):
    jac = [[torch.zeros(t.numel(), o.numel(), dtype=t.dtype) for o in outputs] for t in diff]
    for j, out in enumerate(outputs):
        flat = out.reshape(-1)
        for m in range(flat.numel()):
            grads = torch.autograd.grad(flat[m], diff, retain_graph=True, allow_unused=True)
            for i, g in enumerate(grads):
                if g is not None:
                    jac[i][j][:, m] = g.reshape(-1)
    return jac


def _fail(msg, raise_exception):
    if raise_exception:
        raise GradcheckError(msg)
    return False


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, check_sparse_nnz=False,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True, fast_mode=False):
    """True when func's backward agrees with finite differences at `inputs`."""
    inputs = _as_tuple(inputs)
    diff = [t for t in inputs if isinstance(t, torch.Tensor) and t.requires_grad]
    if not diff:
        raise ValueError('gradcheck expects at least one input tensor to require gradient, but none of the them '
                         'have requires_grad=True.')
    for i, t in enumerate(inputs):
        if isinstance(t, torch.Tensor) and t.requires_grad and t.dtype != torch.float64:
            warnings.warn(f'Input #{i} requires gradient and is not a double precision floating point or complex. '
                          'This check will likely fail if all the inputs are not of double precision floating point '
                          'or complex. ')
    outputs = _outputs(func, inputs)
    if not check_backward_ad:
        return True
    # analytical first: the perturbations below change the inputs in place (bumping their versions)
    analytical = _analytical(outputs, diff)
    numerical = _numerical(func, inputs, diff, [o.numel() for o in outputs], eps)
    index = {id(t): k for k, t in enumerate(inputs)}
    for j in range(len(outputs)):
        for i, t in enumerate(diff):
            a, n = analytical[i][j], numerical[i][j]
            if not torch.allclose(a, n, rtol, atol):
                return _fail(f'Jacobian mismatch for output {j} with respect to input {index[id(t)]},\n'
                             f'numerical:{n}\nanalytical:{a}\n', raise_exception)
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, gen_non_contig_grad_outputs=False,
                  raise_exception=True, nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
                  check_batched_grad=False, check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False):
    """gradcheck of the first derivatives (vector-Jacobian products with grad_outputs, random in [-1, 1)
    when not given) with respect to the inputs and grad_outputs."""
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        outs = _outputs(func, inputs)
        grad_outputs = tuple((torch.rand(o.shape, dtype=o.dtype) * 2 - 1).requires_grad_(True) for o in outs)
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)
    diff_idx = [i for i, t in enumerate(inputs) if isinstance(t, torch.Tensor) and t.requires_grad]

    def first_derivatives(*args):
        ins, gos = args[:n_in], args[n_in:]
        outs = _outputs(func, ins)
        return torch.autograd.grad(outs, [ins[i] for i in diff_idx], gos, create_graph=True, allow_unused=True)

    return gradcheck(first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
