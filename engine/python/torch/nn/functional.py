"""torch.nn.functional: the engine's 'nn.functional' ops (generated from the op table, with F's
signatures), the torch.* ops PyTorch re-exports here, and the functions PyTorch writes in Python
(inplace flags, implicit softmax dims, deprecation warnings, batch-size checks, argument defaults)."""
import math
import warnings

import torch
from torch import _bridge

from . import _reduction as _Reduction
from .modules.utils import _list_with_default

_OPS = _bridge.namespace_functions('nn.functional')
globals().update(_OPS)

for _name in ('conv1d', 'conv2d', 'avg_pool1d', 'adaptive_avg_pool1d', 'bilinear', 'hardshrink', 'cosine_similarity',
              'pairwise_distance', 'relu_', 'selu_', 'celu_', 'threshold_', 'pdist', 'pixel_shuffle', 'pixel_unshuffle',
              'channel_shuffle', 'prelu', 'rrelu_', 'conv_transpose1d', 'conv_transpose2d', 'conv3d', 'avg_pool3d'):
    if hasattr(torch, _name):
        globals()[_name] = getattr(torch, _name)
del _name

Tensor = torch.Tensor


def _get_softmax_dim(name, ndim, stacklevel):
    warnings.warn("Implicit dimension choice for {} has been deprecated. Change the call to include dim=X as an argument.".format(name),
                  stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


# ---- activations -----------------------------------------------------------------------------------

def relu(input, inplace=False):
    return input.relu_() if inplace else torch.relu(input)


def selu(input, inplace=False):
    return torch.selu_(input) if inplace else torch.selu(input)


def celu(input, alpha=1., inplace=False):
    return torch.celu_(input, alpha) if inplace else torch.celu(input, alpha)


def threshold(input, threshold, value, inplace=False):
    return torch.threshold_(input, threshold, value) if inplace else torch.threshold(input, threshold, value)


def sigmoid(input):
    warnings.warn("nn.functional.sigmoid is deprecated. Use torch.sigmoid instead.")
    return input.sigmoid()


def tanh(input):
    warnings.warn("nn.functional.tanh is deprecated. Use torch.tanh instead.")
    return input.tanh()


def softsign(input):
    return input / (input.abs() + 1)


def tanhshrink(input):
    return input - input.tanh()


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _get_softmax_dim('softmax', input.dim(), _stacklevel)
    return input.softmax(dim) if dtype is None else input.softmax(dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _get_softmax_dim('log_softmax', input.dim(), _stacklevel)
    return input.log_softmax(dim) if dtype is None else input.log_softmax(dim, dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _get_softmax_dim('softmin', input.dim(), _stacklevel)
    return (-input).softmax(dim) if dtype is None else (-input).softmax(dim, dtype=dtype)


def glu(input, dim=-1):
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    return _OPS['glu'](input, dim)


# ---- dropout -------------------------------------------------------------------------------------

def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError("dropout probability has to be between 0 and 1, but got {}".format(p))


def dropout(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    return torch.dropout_(input, p, training) if inplace else torch.dropout(input, p, training)


def _feature_dropout(input, p, training, inplace):
    """at::feature_dropout: one Bernoulli(1 - p) draw per (sample, channel), scaled by 1/(1 - p)."""
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:
        noise = torch.zeros((), dtype=input.dtype)
    else:
        noise = torch.empty(tuple(input.shape[:2]) + (1,) * (input.dim() - 2), dtype=input.dtype)
        noise.bernoulli_(1 - p)
        noise.div_(1 - p)
    return input.mul_(noise) if inplace else input * noise


def dropout1d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    if input.dim() not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.dim()}D input. Note that dropout1d "
                           "exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, "
                           "and an optional batch dimension (i.e. 2D or 3D inputs).")
    batched = input.dim() == 3
    x = input if batched else input.unsqueeze(0)
    out = _feature_dropout(x, p, training, inplace)
    return out if batched else out.squeeze(0)


def dropout2d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    d = input.dim()
    if d not in (3, 4):
        warnings.warn(f"dropout2d: Received a {d}-D input to dropout2d, which is deprecated and will result in an error "
                      "in a future release. To retain the behavior and silence this warning, please use dropout instead. "
                      "Note that dropout2d exists to provide channel-wise dropout on inputs with 2 spatial dimensions, a "
                      "channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).")
    if d == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior is "
                      "desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior will "
                      "change in a future release to interpret the input as one without a batch dimension, i.e. shape "
                      "(C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using dropout1d instead.")
    return _feature_dropout(input, p, training, inplace)


def dropout3d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    d = input.dim()
    if d not in (4, 5):
        warnings.warn(f"dropout3d: Received a {d}-D input to dropout3d, which is deprecated and will result in an error "
                      "in a future release. To retain the behavior and silence this warning, please use dropout instead. "
                      "Note that dropout3d exists to provide channel-wise dropout on inputs with 3 spatial dimensions, a "
                      "channel dimension, and an optional batch dimension (i.e. 4D or 5D inputs).")
    batched = d == 5
    x = input if batched else input.unsqueeze(0)
    out = _feature_dropout(x, p, training, inplace)
    return out if batched else out.squeeze(0)


# ---- layers --------------------------------------------------------------------------------------

def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < weight.size(0), "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -weight.size(0), "Padding_idx must be within num_embeddings"
            padding_idx = weight.size(0) + padding_idx
    else:
        padding_idx = -1
    if max_norm is not None:
        input = input.contiguous()
        with torch.no_grad():
            torch.embedding_renorm_(weight, input, max_norm, norm_type)
    return torch.embedding(weight, input, padding_idx, scale_grad_by_freq, sparse)


def _verify_batch_size(size):
    prod = size[0]
    for s in size[2:]:
        prod *= s
    if prod == 1:
        raise ValueError("Expected more than 1 value per channel when training, got input size {}".format(size))


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    if training:
        _verify_batch_size(input.size())
    return torch.batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, False)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    return torch.layer_norm(input, normalized_shape, weight, bias, eps, False)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    _verify_batch_size([input.size(0) * input.size(1) // num_groups, num_groups] + list(input.size()[2:]))
    return torch.group_norm(input, num_groups, weight, bias, eps, False)


# ---- pooling -------------------------------------------------------------------------------------

def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    if return_indices:
        return _OPS['max_pool2d_with_indices'](input, kernel_size, stride, padding, dilation, ceil_mode)
    return torch.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _OPS['max_pool2d_with_indices'](input, kernel_size, stride, padding, dilation, ceil_mode)


def _one(v):
    return v[0] if isinstance(v, (tuple, list)) else v


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    if return_indices:
        return max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return torch.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    k = _one(kernel_size)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) else _one(stride)
    out, idx = _OPS['max_pool2d_with_indices'](input.unsqueeze(-2), (1, k), (1, s), (0, _one(padding)), (1, _one(dilation)), ceil_mode)
    return out.squeeze(-2), idx.squeeze(-2)


def adaptive_avg_pool2d(input, output_size):
    return _OPS['adaptive_avg_pool2d'](input, _list_with_default(output_size, input.size()))


def adaptive_max_pool2d(input, output_size, return_indices=False):
    return _OPS['adaptive_max_pool2d'](input, _list_with_default(output_size, input.size()), return_indices)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    r = _OPS['adaptive_max_pool2d'](input.unsqueeze(-2), (1, _one(output_size)), True)
    out, idx = r[0].squeeze(-2), r[1].squeeze(-2)
    return (out, idx) if return_indices else out


# ---- losses written in Python in PyTorch -------------------------------------------------------------

def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None, reduction="mean"):
    if size_average is not None or reduce is not None:
        reduction = _Reduction.legacy_get_string(size_average, reduce)
    if reduction != "none" and reduction != "mean" and reduction != "sum":
        raise ValueError(reduction + " is not a valid value for reduction")
    loss = torch.exp(input) - target * input if log_input else input - target * torch.log(input + eps)
    if full:
        stirling = target * torch.log(target) - target + 0.5 * torch.log(2 * math.pi * target)
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return loss if reduction == "none" else (loss.mean() if reduction == "mean" else loss.sum())


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    if size_average is not None or reduce is not None:
        reduction = _Reduction.legacy_get_string(size_average, reduce)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = torch.min(d_neg, pairwise_distance(positive, negative, p, eps))
    loss = torch.clamp_min(margin + d_pos - d_neg, 0)
    return loss if reduction == "none" else (loss.mean() if reduction == "mean" else loss.sum())
