// The webgpu device through a relay: the engine's thread cannot reach the GPU itself (in VS Code the
// GPU is in a webview), so batches travel to a host that forwards them, and the host writes answers
// into the engine's shared reply block.
//  - relayTransport (engine side): a TransportFactory over any `send` (the runtime worker's parent port).
//  - RelayHost (host side, e.g. the extension host): owns the reply block the engine sent, forwards
//    batches to a GPU side (`GpuSide`, e.g. the webview), writes its hello and answers, and answers every
//    waiting read with an error when the GPU side goes away, so the engine never waits forever.
import { HELLO_SEQ, TransportFactory, waitHello, writeHello } from './client';
import {
  GpuBatch, GpuHello, REPLY_DATA_OFFSET, REPLY_ERROR, REPLY_LENGTH, REPLY_OK, REPLY_SEQ, REPLY_STATUS,
} from './protocol';

/** How long the engine waits for the relayed device to open (a webview may have to load first). */
const RELAY_START_TIMEOUT_MS = 60_000;

export interface RelayMessages {
  open(reply: SharedArrayBuffer): void;
  batch(b: GpuBatch): void;
  close(): void;
}

/** The engine side: opens the device by asking the host, then posts batches to it. */
export function relayTransport(send: RelayMessages): TransportFactory {
  return (reply) => {
    send.open(reply);
    const hello = waitHello(reply, RELAY_START_TIMEOUT_MS);
    return { transport: { post: (b) => send.batch(b), close: () => send.close() }, hello };
  };
}

/** What a RelayHost drives: the GPU side (a webview running GpuServer with a reply sink). */
export interface GpuSide {
  /** open the device; call back with the hello */
  open(hello: (h: GpuHello) => void): void;
  /** a batch without its reply block (answers come back through RelayHost.answer) */
  post(cmds: GpuBatch['cmds']): void;
  close(): void;
}

export class RelayHost {
  private reply: SharedArrayBuffer | null = null;
  /** the largest read seq forwarded, and the largest answered */
  private asked = 0;
  private answered = 0;
  private gone: string | null = null;

  constructor(private side: GpuSide) {}

  /** the engine asked to open the device */
  open(reply: SharedArrayBuffer): void {
    this.reply = reply;
    this.asked = this.answered = 0;
    this.gone = null;
    this.side.open((hello) => { if (this.reply === reply) writeHello(reply, hello); });
  }

  batch(b: GpuBatch): void {
    if (b.reply) this.reply = b.reply;
    for (const c of b.cmds) if (c.op === 'read') this.asked = Math.max(this.asked, c.seq);
    if (this.gone) { this.failPending(); return; }
    this.side.post(b.cmds);
  }

  /** an answer from the GPU side */
  answer(seq: number, status: number, bytes: Uint8Array): void {
    const r = this.reply;
    if (!r) return;
    const room = r.byteLength - REPLY_DATA_OFFSET;
    if (bytes.byteLength > room) { status = REPLY_ERROR; bytes = new TextEncoder().encode(`read of ${bytes.byteLength} bytes does not fit the reply block`); }
    new Uint8Array(r).set(bytes, REPLY_DATA_OFFSET);
    const w = new Int32Array(r);
    Atomics.store(w, REPLY_STATUS, status);
    Atomics.store(w, REPLY_LENGTH, bytes.byteLength);
    Atomics.store(w, REPLY_SEQ, seq);
    Atomics.notify(w, REPLY_SEQ);
    this.answered = Math.max(this.answered, seq);
  }

  /** The GPU side went away (webview closed, adapter lost): waiting and later reads fail with `reason`. */
  lost(reason: string): void {
    this.gone = reason;
    const r = this.reply;
    if (r && Atomics.load(new Int32Array(r), REPLY_SEQ) === 0) writeHello(r, { kind: 'unavailable', reason });
    this.failPending();
  }

  /** the engine closed the device (or its worker ended) */
  close(): void {
    this.reply = null;
    this.side.close();
  }

  private failPending(): void {
    if (this.asked > this.answered && this.reply) {
      this.answer(this.asked, REPLY_ERROR, new TextEncoder().encode(this.gone ?? 'the WebGPU device is gone'));
    }
  }
}

export { HELLO_SEQ, REPLY_OK };
