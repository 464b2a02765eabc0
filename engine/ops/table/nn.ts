// Op table: the torch.nn.functional family. Each nn*.ts file is one group (activations and their
// gradient kernels, softmax, layers, padding, normalisation, convolution, pooling); this file joins
// them so engine/ops/index.ts lists a single table.
import { defineOps } from '../spec';
import activation from './nnActivation';
import activationGrad from './nnActGrad';
import softmax from './nnSoftmax';
import layers from './nnLayers';
import pad from './nnPad';
import norm from './nnNorm';
import conv from './nnConv';
import pool from './nnPool';
import gated from './nnGated';

export default defineOps([...activation, ...activationGrad, ...softmax, ...layers, ...pad, ...norm, ...conv, ...pool, ...gated]);
