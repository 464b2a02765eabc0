// Op table: the loss functions of torch.nn.functional (F's Python signatures, with reduction /
// size_average / reduce / weight / ignore_index handled as PyTorch 1.13 handles them). Joins
// lossesCore.ts (regression and binary), lossesNll.ts (nll_loss, cross_entropy) and lossesMisc.ts.
import { defineOps } from '../spec';
import core from './lossesCore';
import nll from './lossesNll';
import misc from './lossesMisc';

export default defineOps([...core, ...nll, ...misc]);
