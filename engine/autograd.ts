// Autograd: backward nodes with PyTorch's names, grad/inference mode, saved-tensor checks, views
// modified in place (CopySlices), hooks, and the backward engine (torch/csrc/autograd/engine.cpp:
// dependency counting, a ready queue ordered by sequence number, exec_info for inputs=/grad()), with
// the Python-level API on top (torch.autograd.backward/grad, requires_grad_, retain_grad, detach_).
//
// This file is the public face of engine/autograd/: it re-exports what the rest of the engine uses.
//   gradMode.ts    grad / inference mode flags, withGradMode, noGrad, GradModeGuard
//   sites.ts       where nodes were created (the runtime's site provider, for the graph panel)
//   node.ts        Node, AccumulateGrad, Edge, SavedTensor (saved-tensor version checks)
//   record.ts      record(), gradEdge, needsGrad: building the graph as ops run
//   views.ts       differentiable views, lazy grad_fn (gradFnOf), checkInplace, rebaseHistory
//   copySlices.ts  AsStridedBackward0 and CopySlices (views modified in place)
//   hooks.ts       register_hook, retain_grad, requires_grad_, detach_
//   engineOps.ts   the ops the engine runs (call, registerEngineOps) and shared shape predicates
//   engine.ts      runBackward: the backward engine
//   api.ts         torch.autograd.backward / grad, _make_grads, autogradApi
export {
  GradModeGuard, isGradEnabled, isInferenceMode, noGrad, setGradEnabled, setGradEnabledGuard, setInferenceMode, withGradMode,
} from './autograd/gradMode';
export { setSiteProvider } from './autograd/sites';
export type { NodeSite } from './autograd/sites';
export { AccumulateGrad, Node, SavedTensor, adoptSavedOutputs, assertNotFreed } from './autograd/node';
export type { BackwardFn, Edge } from './autograd/node';
export { gradEdge, needsGrad, record } from './autograd/record';
export { checkInplace, forgetView, gradFnOf, noteView, rebaseHistory, requiresGradOf } from './autograd/views';
export { CopySlices } from './autograd/copySlices';
export { detachInPlace, registerHook, retainGrad, setRequiresGrad } from './autograd/hooks';
export type { TensorHook } from './autograd/hooks';
export { registerEngineOps } from './autograd/engineOps';
export type { EngineOps } from './autograd/engineOps';
export { runBackward } from './autograd/engine';
export type { BackwardOptions } from './autograd/engine';
export { autogradApi, backward, grad, makeGrads } from './autograd/api';
