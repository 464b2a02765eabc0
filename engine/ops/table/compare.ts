// Op table: compare ops. (Each entry: names, PyTorch schema, doc, impl recording its backward, samples.)
import { defineOps } from '../spec';

export default defineOps([
]);
