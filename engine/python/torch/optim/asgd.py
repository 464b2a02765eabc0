"""ASGD, averaged SGD (PyTorch 1.13's single-tensor update; step, eta and mu are 0-dim tensors)."""
import torch

from .. import _crmath
from .optimizer import Optimizer

__all__ = ['ASGD', 'asgd']


class ASGD(Optimizer):
    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None, maximize=False):
        if not 0.0 <= lr:
            raise ValueError("Invalid learning rate: {}".format(lr))
        if not 0.0 <= weight_decay:
            raise ValueError("Invalid weight_decay value: {}".format(weight_decay))
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault('foreach', None)
            group.setdefault('maximize', False)

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            params, grads, mus, axs, etas, steps = [], [], [], [], [], []
            for p in group['params']:
                if p.grad is None:
                    continue
                params.append(p)
                grads.append(p.grad)
                state = self.state[p]
                if len(state) == 0:
                    state['step'] = torch.tensor(0.)
                    state['eta'] = torch.tensor(group['lr'])
                    state['mu'] = torch.tensor(1.)
                    state['ax'] = torch.zeros_like(p, memory_format=torch.preserve_format)
                mus.append(state['mu'])
                axs.append(state['ax'])
                etas.append(state['eta'])
                steps.append(state['step'])
            asgd(params, grads, axs, mus, etas, steps, lambd=group['lambd'], lr=group['lr'], t0=group['t0'],
                 alpha=group['alpha'], weight_decay=group['weight_decay'], maximize=group['maximize'])
        return loss


def asgd(params, grads, axs, mus, etas, state_steps, foreach=None, maximize=False, *, lambd, lr, t0, alpha,
         weight_decay):
    """Functional ASGD (torch.optim.asgd.asgd)."""
    for i, param in enumerate(params):
        grad = grads[i] if not maximize else -grads[i]
        mu, ax, eta, step_t = mus[i], axs[i], etas[i], state_steps[i]
        step_t += 1
        step = step_t.item()
        if weight_decay != 0:
            grad = grad.add(param, alpha=weight_decay)
        param.mul_(1 - lambd * eta.item())
        param.add_(grad, alpha=-eta.item())
        if mu.item() != 1:
            ax.add_(param.sub(ax).mul(mu))
        else:
            ax.copy_(param)
        eta.copy_(torch.tensor(lr / _crmath.pow((1 + lambd * lr * step), alpha)))
        mu.copy_(torch.tensor(1 / max(1, step - t0)))
