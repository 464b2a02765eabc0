// CPU kernels for 2-D convolution and pooling over contiguous NCHW data (1-D ops use H = 1).
// Convolution follows PyTorch's slow_conv2d (im2col + reference BLAS sgemm): each output starts at
// the bias and adds w·x products one at a time over (in_channel, kh, kw), rounding every step in the
// data's precision; grad_weight is a per-sample dot product over output positions added to the running
// total; grad_input sums over output channels per column, then col2im adds columns in (kh, kw, y, x)
// order. Pooling visits each window row-major.

export type Round = (x: number) => number;

export interface ConvGeom {
  N: number; C: number; H: number; W: number;
  OC: number; KH: number; KW: number; OH: number; OW: number;
  sH: number; sW: number; pH: number; pW: number; dH: number; dW: number;
  groups: number;
}

/** out[n, oc, oh, ow] = bias[oc] + Σ_(c, kh, kw) w[oc, c, kh, kw] · x[n, g·Cg + c, ih, iw] */
export function conv2dForward(x: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number> | null, g: ConvGeom, r: Round, out: Float32Array | Float64Array): void {
  const Cg = g.C / g.groups, OCg = g.OC / g.groups;
  const L = g.OH * g.OW;
  for (let n = 0; n < g.N; n++) {
    for (let oc = 0; oc < g.OC; oc++) {
      const grp = Math.floor(oc / OCg);
      const b = bias ? bias[oc] : 0;
      const ob = (n * g.OC + oc) * L;
      for (let p = 0; p < L; p++) out[ob + p] = b;
      for (let c = 0; c < Cg; c++) {
        const ic = grp * Cg + c;
        const xb = (n * g.C + ic) * g.H * g.W;
        for (let kh = 0; kh < g.KH; kh++) {
          for (let kw = 0; kw < g.KW; kw++) {
            const wv = w[((oc * Cg + c) * g.KH + kh) * g.KW + kw];
            for (let oh = 0; oh < g.OH; oh++) {
              const ih = oh * g.sH - g.pH + kh * g.dH;
              const inH = ih >= 0 && ih < g.H;
              for (let ow = 0; ow < g.OW; ow++) {
                const iw = ow * g.sW - g.pW + kw * g.dW;
                const xv = inH && iw >= 0 && iw < g.W ? x[xb + ih * g.W + iw] : 0;
                const k = ob + oh * g.OW + ow;
                out[k] = r(out[k] + r(wv * xv));
              }
            }
          }
        }
      }
    }
  }
}

/** grad_weight[oc, c, kh, kw] = Σ_n (Σ_(oh, ow) go · x), the inner sum from 0 per sample */
export function conv2dBackwardWeight(x: ArrayLike<number>, go: ArrayLike<number>, g: ConvGeom, r: Round, out: Float32Array | Float64Array): void {
  const Cg = g.C / g.groups, OCg = g.OC / g.groups;
  const L = g.OH * g.OW;
  for (let n = 0; n < g.N; n++) {
    for (let oc = 0; oc < g.OC; oc++) {
      const grp = Math.floor(oc / OCg);
      const gb = (n * g.OC + oc) * L;
      for (let c = 0; c < Cg; c++) {
        const xb = (n * g.C + grp * Cg + c) * g.H * g.W;
        for (let kh = 0; kh < g.KH; kh++) {
          for (let kw = 0; kw < g.KW; kw++) {
            let dot = 0;
            for (let oh = 0; oh < g.OH; oh++) {
              const ih = oh * g.sH - g.pH + kh * g.dH;
              const inH = ih >= 0 && ih < g.H;
              for (let ow = 0; ow < g.OW; ow++) {
                const iw = ow * g.sW - g.pW + kw * g.dW;
                const xv = inH && iw >= 0 && iw < g.W ? x[xb + ih * g.W + iw] : 0;
                dot = r(dot + r(xv * go[gb + oh * g.OW + ow]));
              }
            }
            const k = ((oc * Cg + c) * g.KH + kh) * g.KW + kw;
            out[k] = r(dot + out[k]);
          }
        }
      }
    }
  }
}

/** grad_input: columns Σ_oc w·go (from 0, oc in order), then col2im in (c, kh, kw, oh, ow) order */
export function conv2dBackwardInput(w: ArrayLike<number>, go: ArrayLike<number>, g: ConvGeom, r: Round, out: Float32Array | Float64Array): void {
  const Cg = g.C / g.groups, OCg = g.OC / g.groups;
  const L = g.OH * g.OW;
  const col = new Float64Array(L);
  for (let n = 0; n < g.N; n++) {
    for (let grp = 0; grp < g.groups; grp++) {
      for (let c = 0; c < Cg; c++) {
        const ib = (n * g.C + grp * Cg + c) * g.H * g.W;
        for (let kh = 0; kh < g.KH; kh++) {
          for (let kw = 0; kw < g.KW; kw++) {
            col.fill(0);
            for (let o = 0; o < OCg; o++) {
              const oc = grp * OCg + o;
              const wv = w[((oc * Cg + c) * g.KH + kh) * g.KW + kw];
              const gb = (n * g.OC + oc) * L;
              for (let p = 0; p < L; p++) col[p] = r(col[p] + r(wv * go[gb + p]));
            }
            for (let oh = 0; oh < g.OH; oh++) {
              const ih = oh * g.sH - g.pH + kh * g.dH;
              if (ih < 0 || ih >= g.H) continue;
              for (let ow = 0; ow < g.OW; ow++) {
                const iw = ow * g.sW - g.pW + kw * g.dW;
                if (iw < 0 || iw >= g.W) continue;
                const k = ib + ih * g.W + iw;
                out[k] = r(out[k] + col[oh * g.OW + ow]);
              }
            }
          }
        }
      }
    }
  }
}

// ---- pooling -----------------------------------------------------------------------------------

/** A pooling window: rows [h0, h1) × cols [w0, w1) of one input plane, with a step (dilation). */
export interface Window { h0: number; h1: number; w0: number; w1: number; dh: number; dw: number }

/** max over each window: NaN wins, ties keep the first; indices are flat positions in the plane */
export function maxPool(x: ArrayLike<number>, planes: number, H: number, W: number, OH: number, OW: number, win: (oh: number, ow: number) => Window, out: Float32Array | Float64Array, idx: Float64Array): void {
  for (let p = 0; p < planes; p++) {
    const xb = p * H * W;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const wd = win(oh, ow);
        let best = -Infinity, bi = wd.h0 * W + wd.w0;
        for (let ih = wd.h0; ih < wd.h1; ih += wd.dh) {
          for (let iw = wd.w0; iw < wd.w1; iw += wd.dw) {
            const v = x[xb + ih * W + iw];
            if (v > best || Number.isNaN(v)) { best = v; bi = ih * W + iw; if (Number.isNaN(v)) break; }
          }
          if (Number.isNaN(best)) break;
        }
        const o = (p * OH + oh) * OW + ow;
        out[o] = best;
        idx[o] = bi;
      }
    }
  }
}

/** grad_input[plane, idx] += grad_out, outputs in order */
export function maxPoolBackward(go: ArrayLike<number>, idx: ArrayLike<number>, planes: number, HW: number, OHW: number, r: Round, out: Float32Array | Float64Array): void {
  for (let p = 0; p < planes; p++) {
    for (let o = 0; o < OHW; o++) {
      const k = p * HW + idx[p * OHW + o];
      out[k] = r(out[k] + go[p * OHW + o]);
    }
  }
}

/** mean over each window: a running sum from 0, divided by each of divisors(oh, ow) in turn */
export function avgPool(x: ArrayLike<number>, planes: number, H: number, W: number, OH: number, OW: number, win: (oh: number, ow: number) => Window, divisors: (oh: number, ow: number) => number[], r: Round, out: Float32Array | Float64Array): void {
  for (let p = 0; p < planes; p++) {
    const xb = p * H * W;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const wd = win(oh, ow);
        let s = 0;
        for (let ih = wd.h0; ih < wd.h1; ih++) for (let iw = wd.w0; iw < wd.w1; iw++) s = r(s + x[xb + ih * W + iw]);
        for (const d of divisors(oh, ow)) s = r(s / d);
        out[(p * OH + oh) * OW + ow] = wd.h0 >= wd.h1 || wd.w0 >= wd.w1 ? 0 : s;
      }
    }
  }
}

/** grad_input of avgPool: each output's grad / divisors added over its window */
export function avgPoolBackward(go: ArrayLike<number>, planes: number, H: number, W: number, OH: number, OW: number, win: (oh: number, ow: number) => Window, divisors: (oh: number, ow: number) => number[], r: Round, out: Float32Array | Float64Array): void {
  for (let p = 0; p < planes; p++) {
    const xb = p * H * W;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const wd = win(oh, ow);
        let v = go[(p * OH + oh) * OW + ow];
        for (const d of divisors(oh, ow)) v = r(v / d);
        for (let ih = wd.h0; ih < wd.h1; ih++) for (let iw = wd.w0; iw < wd.w1; iw++) out[xb + ih * W + iw] = r(out[xb + ih * W + iw] + v);
      }
    }
  }
}
