/**
 * {@linkcode ByteLineStream}: the line splitter of `line_stream.ts` as a
 * `TransformStream`. A module of its own because a class extending
 * `TransformStream` loads the runtime's streams when it is defined, which
 * the command line's readers (synchronous, `LineSplitter` only) should not
 * pay for at start.
 *
 * @module
 */
import { type ByteLine, LineSplitter, type LineStreamOptions } from "./line_stream.ts";

/**
 * A `TransformStream` that splits bytes into lines with their byte offsets:
 * splits on `\n`, strips a preceding `\r`, skips (and reports as `oversized`)
 * lines longer than the cap without buffering them, and reports an
 * unterminated final fragment as `torn`.
 *
 * @example
 * ```ts
 * import { ByteLineStream } from "@peak-trade/execution";
 * const bytes = new TextEncoder().encode('{"kind":"fill"}\n{"kind":');
 * const lines = ReadableStream.from([bytes]).pipeThrough(new ByteLineStream());
 * for await (const line of lines) console.log(line.status, line.offset, line.end);
 * // line 0 16
 * // torn 16 24
 * ```
 */
export class ByteLineStream extends TransformStream<Uint8Array, ByteLine> {
  /** Create the stream (see {@linkcode LineStreamOptions}). */
  constructor(options: LineStreamOptions = {}) {
    const splitter = new LineSplitter(options);
    super({
      transform(chunk, controller) {
        splitter.push(chunk, (line) => {
          // Copy views into the chunk: downstream may hold lines past the next read.
          if (line.status === "line") line.bytes = line.bytes.slice();
          controller.enqueue(line);
        });
      },
      flush(controller) {
        splitter.finish((line) => controller.enqueue(line));
      },
    });
  }
}
