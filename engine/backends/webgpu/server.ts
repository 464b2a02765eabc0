// The GPU side of the device protocol (protocol.ts): owns a GPUDevice and runs the client's batches in
// order. Browser-safe (no Node imports): the same code runs in a Node worker thread over Dawn
// (dawnHost.ts) and in the VS Code webview over navigator.gpu.
//
// Batches are queued on one promise chain, so a `read` (which waits for mapAsync) never lets a later
// batch overtake it. Compute dispatches between two synchronisation points share one command encoder;
// a `write` first submits what is encoded (queue.writeBuffer is ordered against submits, not against
// an unsubmitted encoder). Errors of commands without an answer are kept and reported by the next read.
/// <reference types="@webgpu/types" />
import {
  BufferId, GpuBatch, GpuCommand, REPLY_DATA_OFFSET, REPLY_ERROR, REPLY_LENGTH, REPLY_OK, REPLY_SEQ, REPLY_STATUS,
} from './protocol';

// The WebGPU usage flags as numbers (the GPUBufferUsage global is not defined everywhere this runs).
const MAP_READ = 0x0001, COPY_SRC = 0x0004, COPY_DST = 0x0008, UNIFORM = 0x0040, STORAGE = 0x0080;
const MAP_MODE_READ = 0x0001;

/** Receives a read's answer: status REPLY_OK with the bytes, or REPLY_ERROR with UTF-8 text. */
export type ReplySink = (seq: number, status: number, bytes: Uint8Array) => void;

/** Device memory kept in freed buffers for reuse. */
const POOL_BYTES = 256 << 20;

export class GpuServer {
  private buffers = new Map<BufferId, GPUBuffer>();
  private pipelines = new Map<string, GPUComputePipeline>();
  private code = new Map<string, string>();
  private encoder: GPUCommandEncoder | null = null;
  private chain: Promise<void> = Promise.resolve();
  private reply: Int32Array | null = null;
  private replyBytes: Uint8Array | null = null;
  /** the first error since the last read (reported there) */
  private pendingError: string | null = null;
  private lost: string | null = null;
  /** freed buffers by size, for reuse (at most POOL_BYTES in all) */
  private pool = new Map<number, GPUBuffer[]>();
  private pooledBytes = 0;
  /** uniform blocks of encoded dispatches, destroyed once their work is submitted */
  private trash: GPUBuffer[] = [];

  /**
   * `sink`: where answers go when the client's reply block is not reachable from here (the VS Code
   * webview: the extension host writes them into the block); default: the reply block itself.
   */
  constructor(private device: GPUDevice, private sink: ReplySink | null = null) {
    device.addEventListener?.('uncapturederror', (e: Event) => {
      const err = (e as GPUUncapturedErrorEvent).error;
      this.pendingError ??= err?.message ?? String(err);
    });
    void device.lost.then((info) => { this.lost = `the WebGPU device was lost (${info.reason}): ${info.message}`; });
  }

  /** Queue a batch: it runs after every batch received before it. */
  receive(batch: GpuBatch): void {
    if (batch.reply) {
      this.reply = new Int32Array(batch.reply);
      this.replyBytes = new Uint8Array(batch.reply);
    }
    this.chain = this.chain.then(() => this.runBatch(batch.cmds)).catch((e) => {
      this.pendingError ??= e instanceof Error ? e.message : String(e);
    });
  }

  /**
   * Finish what was received (a read waiting for mapAsync included), then destroy the device: a thread
   * torn down while Dawn still has a mapping to hand back crashes the process from native code.
   */
  async close(): Promise<void> {
    await this.chain;
    this.device.destroy();
  }

  private async runBatch(cmds: GpuCommand[]): Promise<void> {
    for (const c of cmds) {
      try {
        if (c.op === 'read') { await this.read(c.id, c.offset, c.size, c.seq); continue; }
        this.apply(c);
      } catch (e) {
        this.pendingError ??= e instanceof Error ? e.message : String(e);
        if (c.op === 'read') this.answer(c.seq, REPLY_ERROR, new TextEncoder().encode(this.takeError()!));
      }
    }
  }

  private apply(c: Exclude<GpuCommand, { op: 'read' }>): void {
    const d = this.device;
    switch (c.op) {
      case 'create': {
        const size = Math.max(4, Math.ceil(c.size / 4) * 4);
        const list = this.pool.get(size);
        const reused = list?.pop();
        if (reused) {
          this.pooledBytes -= size;
          if (list!.length === 0) this.pool.delete(size);
        }
        // a reused buffer is cleared (in queue order) so that every new buffer reads as zeros
        if (reused) this.enc().clearBuffer(reused);
        this.buffers.set(c.id, reused ?? d.createBuffer({ size, usage: STORAGE | COPY_SRC | COPY_DST }));
        return;
      }
      case 'write':
        this.submit();
        d.queue.writeBuffer(this.buffer(c.id), c.offset, c.data);
        return;
      case 'free': {
        const b = this.buffers.get(c.id);
        this.buffers.delete(c.id);
        if (!b) return;
        // kept for a later buffer of the same size (a training loop makes the same sizes every step);
        // commands already encoded that use it run before any later use, in queue order
        if (this.pooledBytes + b.size <= POOL_BYTES) {
          const list = this.pool.get(b.size) ?? [];
          list.push(b);
          this.pool.set(b.size, list);
          this.pooledBytes += b.size;
          return;
        }
        // destroy waits for submitted work that uses the buffer; encoded-but-unsubmitted work must go first
        this.submit();
        b.destroy();
        return;
      }
      case 'copy':
        this.enc().copyBufferToBuffer(this.buffer(c.src), c.srcOffset, this.buffer(c.dst), c.dstOffset, c.size);
        return;
      case 'run': {
        if (c.code !== undefined) this.code.set(c.kernel, c.code);
        const pipe = this.pipeline(c.kernel);
        const entries: GPUBindGroupEntry[] = c.buffers.map((id, i) => ({ binding: i, resource: { buffer: this.buffer(id) } }));
        let ub: GPUBuffer | null = null;
        if (c.params.byteLength > 0) {
          ub = d.createBuffer({ size: Math.max(16, Math.ceil(c.params.byteLength / 16) * 16), usage: UNIFORM, mappedAtCreation: true });
          new Uint8Array(ub.getMappedRange()).set(new Uint8Array(c.params));
          ub.unmap();
          entries.push({ binding: c.buffers.length, resource: { buffer: ub } });
        }
        const bg = d.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries });
        const pass = this.enc().beginComputePass();
        pass.setPipeline(pipe);
        pass.setBindGroup(0, bg);
        pass.dispatchWorkgroups(c.groups[0], c.groups[1], c.groups[2]);
        pass.end();
        if (ub) this.trash.push(ub);
        return;
      }
    }
  }

  private async read(id: BufferId, offset: number, size: number, seq: number): Promise<void> {
    const d = this.device;
    const padded = Math.max(4, Math.ceil(size / 4) * 4);
    const staging = d.createBuffer({ size: padded, usage: MAP_READ | COPY_DST });
    this.enc().copyBufferToBuffer(this.buffer(id), offset, staging, 0, padded);
    this.submit();
    try {
      await staging.mapAsync(MAP_MODE_READ);
      const bytes = new Uint8Array(staging.getMappedRange(), 0, size);
      const err = this.takeError();
      if (err !== null) this.answer(seq, REPLY_ERROR, new TextEncoder().encode(err));
      else this.answer(seq, REPLY_OK, bytes);
      staging.unmap();
    } finally {
      staging.destroy();
    }
  }

  private takeError(): string | null {
    const e = this.pendingError ?? this.lost;
    this.pendingError = null;
    return e;
  }

  private answer(seq: number, status: number, bytes: Uint8Array): void {
    if (this.sink) { this.sink(seq, status, bytes); return; }
    const r = this.reply, rb = this.replyBytes;
    if (!r || !rb) return;
    const room = rb.byteLength - REPLY_DATA_OFFSET;
    if (bytes.byteLength > room) {
      status = REPLY_ERROR;
      bytes = new TextEncoder().encode(`read of ${bytes.byteLength} bytes does not fit the reply block (${room})`);
    }
    rb.set(bytes, REPLY_DATA_OFFSET);
    Atomics.store(r, REPLY_STATUS, status);
    Atomics.store(r, REPLY_LENGTH, bytes.byteLength);
    Atomics.store(r, REPLY_SEQ, seq);
    Atomics.notify(r, REPLY_SEQ);
  }

  private buffer(id: BufferId): GPUBuffer {
    const b = this.buffers.get(id);
    if (!b) throw new Error(`webgpu: buffer ${id} does not exist on the device`);
    return b;
  }

  private pipeline(kernel: string): GPUComputePipeline {
    let p = this.pipelines.get(kernel);
    if (p) return p;
    const code = this.code.get(kernel);
    if (code === undefined) throw new Error(`webgpu: kernel ${kernel} was never sent`);
    const module = this.device.createShaderModule({ code });
    p = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    this.pipelines.set(kernel, p);
    return p;
  }

  private enc(): GPUCommandEncoder {
    return (this.encoder ??= this.device.createCommandEncoder());
  }

  private submit(): void {
    if (!this.encoder) return;
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    for (const b of this.trash) b.destroy();
    this.trash = [];
  }
}
