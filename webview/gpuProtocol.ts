// Every message between the extension host (extension/gpuHost.ts) and the GPU webview
// (webview/gpu.ts), which runs the webgpu device of Gradscope sessions on the webview's navigator.gpu.
// Each session has a channel; its device commands are the engine's device protocol
// (engine/backends/webgpu/protocol.ts). Named constants with `is()` guards, as in webview/protocol.ts.
import type { GpuCommand, GpuHello } from '../engine/backends/webgpu/protocol';
import { WebviewMessage, isObj } from './protocol';

export type { GpuCommand, GpuHello };

const isInt = (x: unknown): x is number => Number.isInteger(x);
const isStr = (x: unknown): x is string => typeof x === 'string';

export interface ChannelParams { channel: number }
export interface BatchParams { channel: number; cmds: GpuCommand[] }
export interface HelloParams { channel: number; hello: GpuHello }
export interface AnswerParams { channel: number; seq: number; status: number; bytes: Uint8Array | ArrayBuffer | number[] }
export interface LostParams { reason: string }
export interface ProbeResult { hello: GpuHello }

const isChannel = (p: unknown): p is ChannelParams => isObj(p) && isInt(p.channel);
const isCmd = (c: unknown): c is GpuCommand => isObj(c) && isStr(c.op);

// ---- host → GPU webview ----
/** open the device for a session's channel (answered with GpuHelloMsg) */
export const GpuOpen = new WebviewMessage<ChannelParams>('gpu/open', isChannel);
export const GpuBatchMsg = new WebviewMessage<BatchParams>('gpu/batch', (p): p is BatchParams => isObj(p) && isInt(p.channel) && Array.isArray(p.cmds) && p.cmds.every(isCmd));
export const GpuCloseChannel = new WebviewMessage<ChannelParams>('gpu/close', isChannel);
/** which adapter is there (answered with GpuProbeResult) */
export const GpuProbe = new WebviewMessage<Record<string, never>>('gpu/probe', isObj as (p: unknown) => p is Record<string, never>);

// ---- GPU webview → host ----
export const GpuReady = new WebviewMessage<Record<string, never>>('gpu/ready', isObj as (p: unknown) => p is Record<string, never>);
export const GpuHelloMsg = new WebviewMessage<HelloParams>('gpu/hello', (p): p is HelloParams => isObj(p) && isInt(p.channel) && isObj(p.hello));
export const GpuAnswer = new WebviewMessage<AnswerParams>('gpu/answer', (p): p is AnswerParams => isObj(p) && isInt(p.channel) && isInt(p.seq) && isInt(p.status) && typeof p.bytes === 'object' && p.bytes !== null);
export const GpuProbeResult = new WebviewMessage<ProbeResult>('gpu/probeResult', (p): p is ProbeResult => isObj(p) && isObj(p.hello));
/** the device was lost (or an uncaught failure in the page) */
export const GpuLost = new WebviewMessage<LostParams>('gpu/lost', (p): p is LostParams => isObj(p) && isStr(p.reason));

/** An answer's bytes as they arrive (typed arrays survive VS Code's webview messaging; plain arrays are accepted too). */
export function answerBytes(b: AnswerParams['bytes']): Uint8Array {
  if (b instanceof Uint8Array) return b;
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  if (Array.isArray(b)) return Uint8Array.from(b);
  const o = b as unknown as Record<string, number>; // a typed array that lost its prototype: {0: .., 1: ..}
  return Uint8Array.from(Object.keys(o).map((k) => o[k]));
}
