"""RNN, LSTM, GRU and their cells, computed as PyTorch 1.13's CPU kernels compute them (the input
projection of a whole layer first, then per step linear(h, W_hh, b_hh) + that step's projection; the
step outputs stacked, layers stacked for h_n / c_n, directions concatenated), with PyTorch's parameter
names, uniform(±1/sqrt(hidden_size)) initialisation, checks and reprs. proj_size and PackedSequence
are not supported."""
import math
import numbers
import warnings

import torch

from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ['RNNBase', 'RNN', 'LSTM', 'GRU', 'RNNCellBase', 'RNNCell', 'LSTMCell', 'GRUCell']

_GATES = {'LSTM': 4, 'GRU': 3, 'RNN_TANH': 1, 'RNN_RELU': 1}


def _lstm_step(xw, h, c, w_hh, b_hh):
    gates = F.linear(h, w_hh, b_hh) + xw
    i, f, g, o = gates.chunk(4, 1)
    i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
    c = f * c + i * g
    return o * c.tanh(), c


def _gru_step(xw, h, w_hh, b_hh):
    ir, iz, inn = xw.chunk(3, 1)
    hr, hz, hn = F.linear(h, w_hh, b_hh).chunk(3, 1)
    r = (hr + ir).sigmoid()
    z = (hz + iz).sigmoid()
    n = (inn + hn * r).tanh()
    return (h - n) * z + n


def _rnn_step(mode, xw, h, w_hh, b_hh):
    pre = F.linear(h, w_hh, b_hh) + xw
    return pre.tanh() if mode == 'RNN_TANH' else torch.relu(pre)


class RNNBase(Module):
    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
                          "num_layers greater than 1, but got dropout={} and num_layers={}".format(dropout, num_layers))
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size > 0:
            raise NotImplementedError('LSTM proj_size is not supported by Gradscope yet')
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        gate_size = _GATES[mode] * hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(directions):
                in_size = input_size if layer == 0 else hidden_size * directions
                suffix = '_reverse' if direction == 1 else ''
                names = ['weight_ih_l{}{}', 'weight_hh_l{}{}'] + (['bias_ih_l{}{}', 'bias_hh_l{}{}'] if bias else [])
                shapes = [(gate_size, in_size), (gate_size, hidden_size), (gate_size,), (gate_size,)]
                names = [n.format(layer, suffix) for n in names]
                for name, shape in zip(names, shapes):
                    setattr(self, name, Parameter(torch.empty(shape, device=device, dtype=dtype)))
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def flatten_parameters(self):
        pass

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self):
        s = '{input_size}, {hidden_size}'
        if self.proj_size != 0:
            s += ', proj_size={proj_size}'
        if self.num_layers != 1:
            s += ', num_layers={num_layers}'
        if self.bias is not True:
            s += ', bias={bias}'
        if self.batch_first is not False:
            s += ', batch_first={batch_first}'
        if self.dropout != 0:
            s += ', dropout={dropout}'
        if self.bidirectional is not False:
            s += ', bidirectional={bidirectional}'
        return s.format(**self.__dict__)

    def _weights(self, layer, direction):
        suffix = '_reverse' if direction == 1 else ''
        w_ih = getattr(self, 'weight_ih_l{}{}'.format(layer, suffix))
        w_hh = getattr(self, 'weight_hh_l{}{}'.format(layer, suffix))
        b_ih = getattr(self, 'bias_ih_l{}{}'.format(layer, suffix)) if self.bias else None
        b_hh = getattr(self, 'bias_hh_l{}{}'.format(layer, suffix)) if self.bias else None
        return w_ih, w_hh, b_ih, b_hh

    def _run(self, input, h0, c0):
        """(output, [h per layer/direction], [c ...]) for time-major input (L, N, H_in)."""
        lstm = self.mode == 'LSTM'
        directions = 2 if self.bidirectional else 1
        layer_input = input
        hs, cs = [], []
        for layer in range(self.num_layers):
            outs = []
            for direction in range(directions):
                k = layer * directions + direction
                w_ih, w_hh, b_ih, b_hh = self._weights(layer, direction)
                xw = F.linear(layer_input, w_ih, b_ih).unbind(0)
                h, c = h0[k], (c0[k] if lstm else None)
                steps = range(len(xw)) if direction == 0 else range(len(xw) - 1, -1, -1)
                seq = [None] * len(xw)
                for t in steps:
                    if lstm:
                        h, c = _lstm_step(xw[t], h, c, w_hh, b_hh)
                    elif self.mode == 'GRU':
                        h = _gru_step(xw[t], h, w_hh, b_hh)
                    else:
                        h = _rnn_step(self.mode, xw[t], h, w_hh, b_hh)
                    seq[t] = h
                outs.append(torch.stack(seq, 0))
                hs.append(h)
                cs.append(c)
            layer_output = outs[0] if directions == 1 else torch.cat(outs, outs[0].dim() - 1)
            if self.dropout != 0 and self.training and layer < self.num_layers - 1:
                layer_output = F.dropout(layer_output, self.dropout, True)
            layer_input = layer_output
        return layer_input, hs, cs

    def _check(self, input, hx, batched):
        if input.dim() != 3:
            raise RuntimeError('input must have {} dimensions, got {}'.format(3, input.dim()))
        if self.input_size != input.size(-1):
            raise RuntimeError('input.size(-1) must be equal to input_size. Expected {}, got {}'.format(self.input_size, input.size(-1)))
        batch = input.size(0) if self.batch_first else input.size(1)
        expected = (self.num_layers * (2 if self.bidirectional else 1), batch, self.hidden_size)
        return expected

    def forward(self, input, hx=None):
        lstm = self.mode == 'LSTM'
        batched = input.dim() == 3
        batch_dim = 0 if self.batch_first else 1
        if not batched:
            input = input.unsqueeze(batch_dim)
            if hx is not None:
                if lstm:
                    if hx[0].dim() != 2 or hx[1].dim() != 2:
                        raise RuntimeError("For unbatched 2-D input, hx and cx should also be 2-D but got "
                                           f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
                    hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
                else:
                    if hx.dim() != 2:
                        raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got {hx.dim()}-D tensor")
                    hx = hx.unsqueeze(1)
        elif hx is not None:
            if lstm and (hx[0].dim() != 3 or hx[1].dim() != 3):
                raise RuntimeError("For batched 3-D input, hx and cx should also be 3-D but got "
                                   f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
            if not lstm and hx.dim() != 3:
                raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got {hx.dim()}-D tensor")
        expected = self._check(input, hx, batched)
        if hx is None:
            zeros = torch.zeros(*expected, dtype=input.dtype)
            h0, c0 = zeros, (torch.zeros(*expected, dtype=input.dtype) if lstm else None)
        elif lstm:
            h0, c0 = hx
            if tuple(h0.size()) != expected:
                raise RuntimeError('Expected hidden[0] size {}, got {}'.format(expected, list(h0.size())))
            if tuple(c0.size()) != expected:
                raise RuntimeError('Expected hidden[1] size {}, got {}'.format(expected, list(c0.size())))
        else:
            h0, c0 = hx, None
            if tuple(h0.size()) != expected:
                raise RuntimeError('Expected hidden size {}, got {}'.format(expected, list(h0.size())))
        x = input.transpose(0, 1) if self.batch_first else input
        out, hs, cs = self._run(x, h0, c0)
        if self.batch_first:
            # PyTorch transposes LSTM output out of place (TransposeBackward0), GRU/RNN output in place
            # (TransposeBackward1)
            inplace = not lstm and hasattr(out, 'transpose_')
            out = out.transpose_(0, 1) if inplace else out.transpose(0, 1)
        h_n = torch.stack(hs, 0)
        c_n = torch.stack(cs, 0) if lstm else None
        if not batched:
            out = out.squeeze(batch_dim)
            h_n = h_n.squeeze(1)
            c_n = c_n.squeeze(1) if lstm else None
        return (out, (h_n, c_n)) if lstm else (out, h_n)


class RNN(RNNBase):
    def __init__(self, *args, **kwargs):
        if 'proj_size' in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop('nonlinearity', 'tanh')
        if self.nonlinearity == 'tanh':
            mode = 'RNN_TANH'
        elif self.nonlinearity == 'relu':
            mode = 'RNN_RELU'
        else:
            raise ValueError("Unknown nonlinearity '{}'".format(self.nonlinearity))
        super().__init__(mode, *args, **kwargs)


class LSTM(RNNBase):
    def __init__(self, *args, **kwargs):
        super().__init__('LSTM', *args, **kwargs)


class GRU(RNNBase):
    def __init__(self, *args, **kwargs):
        if 'proj_size' in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__('GRU', *args, **kwargs)


class RNNCellBase(Module):
    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(torch.empty((num_chunks * hidden_size, input_size), device=device, dtype=dtype))
        self.weight_hh = Parameter(torch.empty((num_chunks * hidden_size, hidden_size), device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(torch.empty(num_chunks * hidden_size, device=device, dtype=dtype))
            self.bias_hh = Parameter(torch.empty(num_chunks * hidden_size, device=device, dtype=dtype))
        else:
            self.register_parameter('bias_ih', None)
            self.register_parameter('bias_hh', None)
        self.reset_parameters()

    def extra_repr(self):
        s = '{input_size}, {hidden_size}'
        if 'bias' in self.__dict__ and self.bias is not True:
            s += ', bias={bias}'
        if 'nonlinearity' in self.__dict__ and self.nonlinearity != "tanh":
            s += ', nonlinearity={nonlinearity}'
        return s.format(**self.__dict__)

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _batch(self, input, name):
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1-D or 2-D but received {input.dim()}-D tensor")
        return input.dim() == 2, (input if input.dim() == 2 else input.unsqueeze(0))


class RNNCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        batched, x = self._batch(input, 'RNNCell')
        h = torch.zeros(x.size(0), self.hidden_size, dtype=x.dtype) if hx is None else (hx if batched else hx.unsqueeze(0))
        pre = F.linear(h, self.weight_hh, self.bias_hh) + F.linear(x, self.weight_ih, self.bias_ih)
        if self.nonlinearity == "tanh":
            out = pre.tanh()
        elif self.nonlinearity == "relu":
            out = torch.relu(pre)
        else:
            raise RuntimeError("Unknown nonlinearity: {}".format(self.nonlinearity))
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        batched, x = self._batch(input, 'LSTMCell')
        if hx is None:
            zeros = torch.zeros(x.size(0), self.hidden_size, dtype=x.dtype)
            hx = (zeros, zeros)
        else:
            hx = hx if batched else (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        h, c = _lstm_step(F.linear(x, self.weight_ih, self.bias_ih), hx[0], hx[1], self.weight_hh, self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        batched, x = self._batch(input, 'GRUCell')
        h = torch.zeros(x.size(0), self.hidden_size, dtype=x.dtype) if hx is None else (hx if batched else hx.unsqueeze(0))
        out = _gru_step(F.linear(x, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh)
        return out if batched else out.squeeze(0)
