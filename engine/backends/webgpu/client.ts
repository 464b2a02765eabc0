// The engine thread's side of the device protocol (protocol.ts). The engine's API is synchronous, the
// GPU's is not: commands are queued here and posted in batches (nothing waits for them), and a read
// posts what is queued plus a `read` command, then blocks in Atomics.wait until the GPU side has put
// the bytes in the shared reply block. Buffers are freed when their storage is garbage collected.
//
// Transports: by default a worker thread running Dawn (dawnHost.ts, Node only); the VS Code runtime
// installs the webview relay instead (setTransport) when the user picks the webview's GPU.
import {
  BufferId, GpuAdapterSummary, GpuBatch, GpuCommand, GpuHello, REPLY_DATA_OFFSET, REPLY_LENGTH, REPLY_SEQ, REPLY_STATUS, REPLY_OK,
} from './protocol';
import { TorchError } from '../../errors';
import { Finalizer } from '../finalization';

export interface Transport {
  /** deliver a batch to the GPU side (in order) */
  post(batch: GpuBatch): void;
  /** stop the GPU side (settled once it has stopped, where the transport can tell) */
  close(): void | Promise<void>;
}

/** A transport starter: opens the GPU side and returns it with the adapter it found (synchronously). */
export type TransportFactory = (reply: SharedArrayBuffer) => { transport: Transport; hello: GpuHello };

/** The reply SEQ value the GPU side writes with its hello (a JSON GpuHello as the data). */
export const HELLO_SEQ = -1;
/** How long one read may wait for the GPU before the device is declared hung. */
const READ_TIMEOUT_MS = 120_000;
/** Commands queued before they are posted without waiting for a read. */
const BATCH_MAX = 256;

/** A failure of the webgpu device: Python sees a RuntimeError with the reason. */
export class GpuError extends TorchError {
  constructor(message: string) { super('RuntimeError', message); }
}

export class GpuClient {
  private queue: GpuCommand[] = [];
  private nextId = 1;
  private seq = 0;
  private sentKernels = new Set<string>();
  private reply: SharedArrayBuffer;
  private words: Int32Array;
  private pendingReply: SharedArrayBuffer | null = null;
  private freed = new Finalizer<BufferId>((id) => this.free(id));
  readonly adapter: GpuAdapterSummary;
  private transport: Transport;
  private broken: string | null = null;
  /** bytes currently allocated on the device (buffers not yet freed) */
  allocatedBytes = 0;
  private sizes = new Map<BufferId, number>();
  /** bytes allocated since the last collection (see collect) */
  private sinceCollect = 0;
  /** allocation volume between collections */
  collectEvery = 256 << 20;
  /** a full garbage collection, where the host offers one (Node with --expose-gc, see index.ts) */
  static gc: (() => void) | null = null;

  constructor(factory: TransportFactory) {
    this.reply = new SharedArrayBuffer(REPLY_DATA_OFFSET + (1 << 20));
    this.words = new Int32Array(this.reply);
    const { transport, hello } = factory(this.reply);
    if (hello.kind !== 'ready') { transport.close(); throw new GpuError(hello.reason); }
    this.transport = transport;
    this.adapter = hello.adapter;
  }

  /** A new zero-filled device buffer of `bytes`; freed when `owner` is garbage collected. */
  create(bytes: number, owner: object): BufferId {
    const id = this.nextId++;
    this.push({ op: 'create', id, size: bytes });
    this.freed.register(owner, id);
    this.sizes.set(id, bytes);
    this.allocatedBytes += bytes;
    this.sinceCollect += bytes;
    // the buffers of storages the collector has found dead since (a synchronous run never yields to
    // the finalizer's tasks) every few buffers, and every collectEvery bytes a full collection first
    if (this.sinceCollect >= this.collectEvery) this.collect();
    else if ((id & 31) === 0) this.freed.drain();
    return id;
  }

  /**
   * Free the buffers of storages that are garbage now. A user program runs as one long synchronous
   * job, and finalizers normally wait for the job to end, so a training loop would pile up dead
   * buffers: every `collectEvery` bytes, collect garbage and run the finalizers now (../finalization.ts).
   */
  collect(): void {
    this.sinceCollect = 0;
    if (!GpuClient.gc || !this.freed.canDrain) return;
    this.freed.collect(GpuClient.gc);
  }

  write(id: BufferId, data: ArrayBufferView, offset = 0): void {
    // the bytes are copied now (the caller may go on writing into its array), into a plain ArrayBuffer:
    // the array may be a view of shared memory (the CPU kernels' arena), which writeBuffer refuses
    const copy = new Uint8Array(data.byteLength);
    copy.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    this.push({ op: 'write', id, offset, data: copy.buffer });
  }

  copy(src: BufferId, srcOffset: number, dst: BufferId, dstOffset: number, size: number): void {
    this.push({ op: 'copy', src, srcOffset, dst, dstOffset, size });
  }

  run(kernel: string, code: () => string, buffers: BufferId[], params: ArrayBuffer, groups: [number, number, number]): void {
    const first = !this.sentKernels.has(kernel);
    if (first) this.sentKernels.add(kernel);
    this.push({ op: 'run', kernel, code: first ? code() : undefined, buffers, params, groups });
  }

  free(id: BufferId): void {
    if (this.broken) return;
    this.allocatedBytes -= this.sizes.get(id) ?? 0;
    this.sizes.delete(id);
    this.queue.push({ op: 'free', id });
  }

  /** `size` bytes of buffer `id` from byte `offset`: waits for every queued command first. */
  read(id: BufferId, offset: number, size: number): Uint8Array {
    this.check();
    if (REPLY_DATA_OFFSET + size > this.reply.byteLength) {
      this.reply = new SharedArrayBuffer(REPLY_DATA_OFFSET + Math.max(size, this.reply.byteLength * 2));
      this.words = new Int32Array(this.reply);
      this.pendingReply = this.reply;
    }
    const seq = ++this.seq;
    this.queue.push({ op: 'read', id, offset, size, seq });
    this.flush();
    const w = this.words;
    const deadline = Date.now() + READ_TIMEOUT_MS;
    for (;;) {
      const cur = Atomics.load(w, REPLY_SEQ);
      if (cur === seq) break;
      const left = deadline - Date.now();
      if (left <= 0) {
        this.broken = 'the WebGPU device did not answer a read within 120 s';
        throw new GpuError(this.broken);
      }
      Atomics.wait(w, REPLY_SEQ, cur, Math.min(left, 1000));
    }
    const n = Atomics.load(w, REPLY_LENGTH);
    const bytes = new Uint8Array(this.reply, REPLY_DATA_OFFSET, n).slice();
    if (Atomics.load(w, REPLY_STATUS) !== REPLY_OK) throw new GpuError(`WebGPU error: ${new TextDecoder().decode(bytes)}`);
    return bytes;
  }

  /** Post what is queued (no wait). */
  flush(): void {
    if (this.queue.length === 0) return;
    const batch: GpuBatch = { cmds: this.queue };
    if (this.pendingReply) { batch.reply = this.pendingReply; this.pendingReply = null; }
    this.queue = [];
    this.transport.post(batch);
  }

  /** Close the device; settled once the GPU side has stopped, where the transport can tell. */
  close(): Promise<void> {
    this.broken = 'the WebGPU device was closed';
    return Promise.resolve(this.transport.close());
  }

  private push(c: GpuCommand): void {
    this.check();
    this.queue.push(c);
    if (this.queue.length >= BATCH_MAX) this.flush();
  }

  private check(): void {
    if (this.broken) throw new GpuError(this.broken);
  }
}

/** Wait (blocking) for the GPU side's hello in a fresh reply block. */
export function waitHello(reply: SharedArrayBuffer, timeoutMs: number): GpuHello {
  const w = new Int32Array(reply);
  const deadline = Date.now() + timeoutMs;
  while (Atomics.load(w, REPLY_SEQ) !== HELLO_SEQ) {
    const left = deadline - Date.now();
    if (left <= 0) return { kind: 'unavailable', reason: `the WebGPU device did not start within ${Math.round(timeoutMs / 1000)} s` };
    Atomics.wait(w, REPLY_SEQ, 0, Math.min(left, 200));
  }
  const n = Atomics.load(w, REPLY_LENGTH);
  return JSON.parse(new TextDecoder().decode(new Uint8Array(reply, REPLY_DATA_OFFSET, n).slice())) as GpuHello;
}

/** Write the hello into the reply block (the GPU side's first act). */
export function writeHello(reply: SharedArrayBuffer, hello: GpuHello): void {
  const w = new Int32Array(reply);
  const bytes = new TextEncoder().encode(JSON.stringify(hello));
  new Uint8Array(reply).set(bytes, REPLY_DATA_OFFSET);
  Atomics.store(w, REPLY_STATUS, REPLY_OK);
  Atomics.store(w, REPLY_LENGTH, bytes.byteLength);
  Atomics.store(w, REPLY_SEQ, HELLO_SEQ);
  Atomics.notify(w, REPLY_SEQ);
}
