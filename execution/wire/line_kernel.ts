/**
 * HOT PATH: the line kernel, the readers' byte work in WebAssembly with
 * 128-bit SIMD (source and reasons in `kernel/line_kernel.c`). It classifies
 * the complete lines of a buffer as the summary's scanner (`line_scan.ts`)
 * would, or says "unsure" so that line is read the JavaScript way, and finds
 * needles for the timeline's pre-filter.
 *
 * The kernel reads only its own memory, so a reader leases a buffer in it
 * ({@linkcode LineKernel.lease}) and reads the file straight into that buffer:
 * no copy. The memory never grows after the kernel is made, so a leased view
 * stays valid; when every buffer is leased, the caller reads the JavaScript
 * way. Everything a scan reports (records, ids) is used before the caller
 * awaits anything: interned strings may be forgotten between scans.
 *
 * @module
 */
import { LINE_KERNEL_WASM_BASE64 } from "./line_kernel_wasm.ts";

/** A record's verdict: the line is longer than the line cap (not scanned). */
export const VERDICT_OVERSIZED = -1;
/** A record's verdict: the kernel is not sure; read the line the JavaScript way. */
export const VERDICT_UNSURE = -2;
/** Record flag: `ts` is a string the wire form does not cover; parse its text (range 4–5). */
export const FLAG_TS_TEXT = 1;
/** Record flag: `fill_notional` needs `Number()` of its text (range 6–7). */
export const FLAG_NOTIONAL_TEXT = 2;
/** Record flag: `fill_fee` needs `Number()` of its text (range 8–9). */
export const FLAG_FEE_TEXT = 4;
/** 32-bit integers per record: verdict, line start, newline, flags, three text ranges, spare. */
export const RECORD_INTS = 12;
/** Doubles per record: ts (epoch µs), fill notional, fill fee (NaN when absent). */
export const RECORD_FLOATS = 3;

/** Kind codes of a {@linkcode LineClass} (the kinds the summary treats apart). */
export const KIND_OTHER = 0;
/** An `intent` event. */
export const KIND_INTENT = 1;
/** A `gate` decision. */
export const KIND_GATE = 2;
/** A `fill`. */
export const KIND_FILL = 3;
/** An `error` event. */
export const KIND_ERROR = 4;

/** Bytes of one leased buffer: a summary chunk (4 MiB) or a timeline block and its carry. */
const BUFFER_BYTES = 8 * 1024 * 1024;
/** Leased buffers at most (memory is reserved for all, touched only when used). */
const BUFFER_COUNT = 6;
const PAGE_BYTES = 65536;

/**
 * The string fields of a class of valid lines, as the JavaScript scanner
 * gives them (`null` where it gives `null`), and the kind's code.
 */
export interface LineClass {
  /** Event kind (`"unknown"` when absent). */
  readonly kind: string;
  /** {@linkcode KIND_INTENT} etc., or {@linkcode KIND_OTHER}. */
  readonly kindCode: number;
  /** `mode`, or `null`. */
  readonly mode: string | null;
  /** `symbol`, or `null`. */
  readonly symbol: string | null;
  /** Gate name (`gate_name`, else `gate`), or `null`. */
  readonly gateName: string | null;
  /** `passed`, or `null`. */
  readonly passed: boolean | null;
  /** `decision`, or `null`. */
  readonly decision: string | null;
  /** The payload's `code`, or `null`. */
  readonly code: string | null;
  /** The payload's `side`, or `null`. */
  readonly side: string | null;
}

interface KernelExports {
  memory: WebAssembly.Memory;
  reset(): void;
  needs_reset(): number;
  string_count(): number;
  class_count_now(): number;
  string_capacity(): number;
  class_capacity(): number;
  arena_capacity(): number;
  arena_in_use(): number;
  string_offsets(): number;
  string_lengths(): number;
  arena_base(): number;
  class_table(): number;
  record_ints(): number;
  record_floats(): number;
  record_capacity(): number;
  next_line(): number;
  needle_area(): number;
  needle_capacity(): number;
  match_area(): number;
  match_capacity(): number;
  read_padding(): number;
  scan_lines(base: number, from: number, to: number, maxLine: number): number;
  find_needle(
    base: number,
    from: number,
    to: number,
    needle: number,
    length: number,
    out: number,
    cap: number,
  ): number;
}

/** A buffer in the kernel's memory, leased for one read; release it (or `using` it) when done. */
export class KernelBuffer implements Disposable {
  /** The whole buffer (read into it; the kernel scans it). */
  readonly bytes: Uint8Array;
  /** Its address in the kernel's memory. */
  readonly address: number;
  #release: (() => void) | null;

  /** Made by {@linkcode LineKernel.lease}. */
  constructor(bytes: Uint8Array, address: number, release: () => void) {
    this.bytes = bytes;
    this.address = address;
    this.#release = release;
  }

  /** Give the buffer back (again: no effect). */
  release(): void {
    const release = this.#release;
    this.#release = null;
    release?.();
  }

  /** Give the buffer back at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.release();
  }
}

const utf8 = new TextDecoder();

function kindCode(kind: string): number {
  switch (kind) {
    case "intent":
      return KIND_INTENT;
    case "gate":
      return KIND_GATE;
    case "fill":
      return KIND_FILL;
    case "error":
      return KIND_ERROR;
    default:
      return KIND_OTHER;
  }
}

/** The kernel of this isolate: its memory, leased buffers, and copies of its interned tables. */
export class LineKernel {
  #k: KernelExports;
  #free: number[] = [];
  #strings: Array<string | null> = [null];
  /** Classes by id (index 0 unused), copied from the kernel as they appear. */
  readonly classes: LineClass[] = [];
  /** The records of the last scan (see {@linkcode RECORD_INTS}). */
  readonly ints: Int32Array;
  /** The doubles of the last scan's records (see {@linkcode RECORD_FLOATS}). */
  readonly floats: Float64Array;
  readonly #memory: Uint8Array;
  readonly #stringOffsets: Uint32Array;
  readonly #stringLengths: Uint32Array;
  readonly #classFields: Uint16Array;
  readonly #matches: Uint32Array;

  /** Instantiate the module and reserve its buffers (called once, by {@linkcode lineKernel}). */
  constructor() {
    const bytes = Uint8Array.from(atob(LINE_KERNEL_WASM_BASE64), (c) => c.charCodeAt(0));
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
    const k = instance.exports as unknown as KernelExports;
    this.#k = k;
    if (k.read_padding() > PAGE_BYTES) throw new Error("line kernel: padding beyond a page");
    const slot = BUFFER_BYTES + PAGE_BYTES; // room for the read padding, page aligned
    const first = Math.ceil(k.memory.buffer.byteLength / PAGE_BYTES) * PAGE_BYTES;
    k.memory.grow((slot * BUFFER_COUNT) / PAGE_BYTES);
    for (let i = BUFFER_COUNT - 1; i >= 0; i--) this.#free.push(first + i * slot);
    // The memory does not grow again: these views stay attached.
    const buffer = k.memory.buffer;
    this.#memory = new Uint8Array(buffer);
    this.ints = new Int32Array(buffer, k.record_ints(), k.record_capacity() * RECORD_INTS);
    this.floats = new Float64Array(buffer, k.record_floats(), k.record_capacity() * RECORD_FLOATS);
    this.#stringOffsets = new Uint32Array(buffer, k.string_offsets(), k.string_capacity() + 1);
    this.#stringLengths = new Uint32Array(buffer, k.string_lengths(), k.string_capacity() + 1);
    this.#classFields = new Uint16Array(buffer, k.class_table(), (k.class_capacity() + 1) * 8);
    this.#matches = new Uint32Array(buffer, k.match_area(), k.match_capacity());
    this.#reset();
  }

  /** Most records one {@linkcode scan} writes. */
  get recordCapacity(): number {
    return this.#k.record_capacity();
  }

  /**
   * A buffer of at least `bytes` bytes in the kernel's memory, or `null`
   * when none is free or it would be too large (read the JavaScript way).
   */
  lease(bytes: number): KernelBuffer | null {
    if (bytes > BUFFER_BYTES) return null;
    const address = this.#free.pop();
    if (address === undefined) return null;
    let released = false;
    return new KernelBuffer(
      this.#memory.subarray(address, address + BUFFER_BYTES),
      address,
      () => {
        if (released) return;
        released = true;
        this.#free.push(address);
      },
    );
  }

  /**
   * Before a series of scans whose results are used at once: forget the
   * interned tables when they are filling up (their ids mean nothing after).
   */
  prepare(): void {
    if (this.#k.needs_reset() !== 0) this.#reset();
  }

  #reset(): void {
    this.#k.reset();
    this.#strings = [null];
    this.classes.length = 0;
    this.#sync();
  }

  /** Copy the strings and classes the kernel interned since the last look. */
  #sync(): void {
    const k = this.#k;
    const strings = this.#strings;
    for (let id = strings.length, n = k.string_count(); id <= n; id++) {
      const at = k.arena_base() + this.#stringOffsets[id - 1];
      strings.push(utf8.decode(this.#memory.subarray(at, at + this.#stringLengths[id - 1])));
    }
    const classes = this.classes;
    if (classes.length === 0) classes.push(null as unknown as LineClass); // ids start at 1
    const fields = this.#classFields;
    for (let id = classes.length, n = k.class_count_now(); id <= n; id++) {
      const f = (id - 1) * 8;
      const kind = strings[fields[f]]!;
      classes.push({
        kind,
        kindCode: kindCode(kind),
        mode: strings[fields[f + 1]],
        symbol: strings[fields[f + 2]],
        gateName: strings[fields[f + 3]],
        passed: fields[f + 4] === 0 ? null : fields[f + 4] === 2,
        decision: strings[fields[f + 5]],
        code: strings[fields[f + 6]],
        side: strings[fields[f + 7]],
      });
    }
  }

  /**
   * HOT PATH: classify the complete lines of `buffer` from `from` up to `to`
   * (at most {@linkcode recordCapacity}); returns how many records
   * {@linkcode ints} and {@linkcode floats} now hold. {@linkcode nextLine}
   * is then where the next line starts. Lines longer than `maxLine` are
   * recorded as oversized. New classes are in {@linkcode classes} on return.
   */
  scan(buffer: KernelBuffer, from: number, to: number, maxLine: number): number {
    // The slot has a page of room after the buffer for the kernel's wide loads.
    if (from < 0 || from > to || to > buffer.bytes.length) {
      throw new RangeError(`scan: ${from}..${to} is not within the buffer`);
    }
    const count = this.#k.scan_lines(buffer.address, from, to, maxLine);
    if (this.#k.class_count_now() >= this.classes.length) this.#sync();
    return count;
  }

  /** Where the line after the last recorded one starts (an offset in the buffer). */
  nextLine(): number {
    return this.#k.next_line();
  }

  /**
   * Every position of `needle` (1 to 256 bytes) in `buffer` between `from`
   * and `to`, ascending, appended to `into`.
   */
  findAll(
    buffer: KernelBuffer,
    from: number,
    to: number,
    needle: Uint8Array,
    into: number[],
  ): void {
    const k = this.#k;
    if (from < 0 || from > to || to > buffer.bytes.length) {
      throw new RangeError(`findAll: ${from}..${to} is not within the buffer`);
    }
    if (needle.length === 0 || needle.length > k.needle_capacity()) {
      throw new RangeError(`findAll: a needle of 1 to ${k.needle_capacity()} bytes expected`);
    }
    const at = k.needle_area();
    this.#memory.set(needle, at);
    const cap = this.#matches.length;
    for (let start = from;;) {
      const n = k.find_needle(buffer.address, start, to, at, needle.length, k.match_area(), cap);
      for (let i = 0; i < n; i++) into.push(this.#matches[i]);
      if (n < cap) return;
      start = this.#matches[n - 1] + 1;
    }
  }
}

let kernel: LineKernel | null = null;

/** The kernel of this isolate (made on first use). */
export function lineKernel(): LineKernel {
  return kernel ??= new LineKernel();
}

/**
 * Fewest bytes a scan needs to make the kernel: compiling and instantiating
 * it costs a few milliseconds, about what scanning this much the JavaScript
 * way costs. A command reading a small session never pays for it.
 */
const FIRST_USE_BYTES = 256 * 1024;

/**
 * The kernel for a scan of `bytes` bytes: the kernel of this isolate once
 * made, else made only for a scan of at least 256 KiB; `null`: scan the
 * JavaScript way (it gives the same results; tests compare the two).
 *
 * @example
 * ```ts
 * import { lineKernelFor } from "./line_kernel.ts";
 * console.log(lineKernelFor(100) === null); // true (unless a larger scan made it already)
 * ```
 */
export function lineKernelFor(bytes: number): LineKernel | null {
  return kernel ?? (bytes < FIRST_USE_BYTES ? null : lineKernel());
}
