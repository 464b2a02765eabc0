// The device protocol: what the engine thread (client.ts) sends to the thread or page that owns the
// GPUDevice (server.ts), and how answers come back. The engine never waits on a Promise: commands go
// out in batches (postMessage, in order, no answer), and the one command with an answer, `read`,
// is answered through a SharedArrayBuffer that the engine blocks on with Atomics.wait. The same
// messages serve both transports: a Node worker thread running Dawn (dawnHost.ts), and the VS Code
// webview's navigator.gpu (relayed by the extension host, which owns the shared reply block there).

/** Buffer ids are small integers chosen by the client; 0 is never a buffer. */
export type BufferId = number;

export type GpuCommand =
  /** a storage buffer of `size` bytes (a multiple of 4), zero-filled (a reused buffer is cleared first) */
  | { op: 'create'; id: BufferId; size: number }
  /** bytes into a buffer at a byte offset (a multiple of 4) */
  | { op: 'write'; id: BufferId; offset: number; data: ArrayBuffer }
  | { op: 'free'; id: BufferId }
  /**
   * One compute dispatch. `code` (WGSL, entry point `main`) is sent with the first use of `kernel` on a
   * server; later runs of the same kernel send only the key. Storage buffers are bound at bindings
   * 0..n-1 of group 0 in the order given, `params` (a uniform block) at binding n.
   */
  | { op: 'run'; kernel: string; code?: string; buffers: BufferId[]; params: ArrayBuffer; groups: [number, number, number] }
  | { op: 'copy'; src: BufferId; srcOffset: number; dst: BufferId; dstOffset: number; size: number }
  /** bytes of a buffer into the reply block (see REPLY_*); `seq` is echoed in the reply's SEQ word */
  | { op: 'read'; id: BufferId; offset: number; size: number; seq: number };

/** One postMessage from the client: commands run in order. A new reply block travels with a batch. */
export interface GpuBatch { cmds: GpuCommand[]; reply?: SharedArrayBuffer }

/** Node transport: the message that asks the GPU thread to finish what it was sent and end. */
export const GPU_CLOSE = 'close' as const;

/** The server's first message after it started: which adapter it got (or why none). */
export type GpuHello =
  | { kind: 'ready'; adapter: GpuAdapterSummary }
  | { kind: 'unavailable'; reason: string };

export interface GpuAdapterSummary { vendor: string; architecture: string; device: string; description: string; fallback: boolean }

/**
 * Reply block layout (Int32 words, then bytes): SEQ is set last, after STATUS and LENGTH and the data,
 * and notified. STATUS 0 = ok (LENGTH data bytes from DATA_OFFSET), 1 = error (LENGTH bytes of UTF-8 text).
 */
export const REPLY_SEQ = 0;
export const REPLY_STATUS = 1;
export const REPLY_LENGTH = 2;
export const REPLY_DATA_OFFSET = 16;
export const REPLY_OK = 0;
export const REPLY_ERROR = 1;
