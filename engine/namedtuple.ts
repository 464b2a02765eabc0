// torch.return_types.*: named tuples returned by max(dim), sort, topk, ... The Python shim turns a
// NamedTuple into the matching torch.return_types class; TS users read fields by name or index.
import type { Tensor } from './tensor';

export class NamedTuple {
  constructor(
    /** e.g. 'max', 'sort', 'topk' (printed as torch.return_types.max) */
    readonly typeName: string,
    readonly fields: string[],
    readonly values: Tensor[],
  ) {
    // a field named like a member (sort's `values`) must not replace the tuple's items: skip it
    fields.forEach((f, i) => { if (!(f in this)) (this as unknown as Record<string, Tensor>)[f] = values[i]; });
  }
  get length(): number { return this.values.length; }
  [Symbol.iterator]() { return this.values[Symbol.iterator](); }
  toString(): string {
    return `torch.return_types.${this.typeName}(\n${this.fields.map((f, i) => `${f}=${String(this.values[i])}`).join(',\n')})`;
  }
}

export const namedTuple = (typeName: string, fields: string[], values: Tensor[]) => new NamedTuple(typeName, fields, values);
