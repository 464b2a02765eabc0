// Op table: the internal view-gradient ops (select_backward, slice_backward, diagonal_backward,
// unfold_backward): zeros of the input's size with the gradient scattered into the view's positions.
// Their own backward is the forward view again (SelectBackwardBackward0 ...), as in PyTorch, so
// create_graph=True graphs through view ops look like PyTorch's.
import { record } from '../../autograd';
import { Tensor } from '../../tensor';
import { defineOps } from '../spec';
import { call } from '../util';
import { Geom, contiguousGeom, diagonalGeom, scatterViewGrad, selectGeom, sliceGeom, unfoldGeom } from './shapeUtil';

/** The internal *_backward ops: scatter into zeros; their own backward is the view again. */
function viewBackward(name: string, grad: Tensor, sizes: number[], geom: Geom, again: (g2: Tensor) => Tensor): Tensor {
  const out = scatterViewGrad(grad, sizes, geom);
  record(name, [grad], out, ([g2]) => [again(g2!)]);
  return out;
}

export default defineOps([
  {
    name: 'select_backward', ns: 'internal', variants: ['function'],
    sig: 'select_backward(Tensor grad_output, int[] input_sizes, int dim, int index)',
    doc: 'Gradient of select: zeros of input_sizes with grad_output at index along dim.',
    impl: (a) => viewBackward('SelectBackwardBackward0', a.grad_output, a.input_sizes, selectGeom(contiguousGeom(a.input_sizes), a.dim, a.index),
      (g) => call('select', g, a.dim, a.index)),
  },
  {
    name: 'slice_backward', ns: 'internal', variants: ['function'],
    sig: 'slice_backward(Tensor grad_output, int[] input_sizes, int dim, int start, int end, int step)',
    doc: 'Gradient of slice: zeros of input_sizes with grad_output in the slice.',
    impl: (a) => viewBackward('SliceBackwardBackward0', a.grad_output, a.input_sizes, sliceGeom(contiguousGeom(a.input_sizes), a.dim, a.start, a.end, a.step),
      (g) => call('slice', g, a.dim, a.start, a.end, a.step)),
  },
  {
    name: 'diagonal_backward', ns: 'internal', variants: ['function'],
    sig: 'diagonal_backward(Tensor grad_output, int[] input_sizes, int offset, int dim1, int dim2)',
    doc: 'Gradient of diagonal: zeros of input_sizes with grad_output on the diagonal.',
    impl: (a) => viewBackward('DiagonalBackwardBackward0', a.grad_output, a.input_sizes, diagonalGeom(contiguousGeom(a.input_sizes), a.offset, a.dim1, a.dim2),
      (g) => call('diagonal', g, a.offset, a.dim1, a.dim2)),
  },
  {
    name: 'unfold_backward', ns: 'internal', variants: ['function'],
    sig: 'unfold_backward(Tensor grad_in, int[] input_sizes, int dim, int size, int step)',
    doc: 'Gradient of unfold: overlapping windows summed back into input_sizes.',
    impl: (a) => viewBackward('UnfoldBackwardBackward0', a.grad_in, a.input_sizes, unfoldGeom(contiguousGeom(a.input_sizes), a.dim, a.size, a.step),
      (g) => call('unfold', g, a.dim, a.size, a.step)),
  },
]);
