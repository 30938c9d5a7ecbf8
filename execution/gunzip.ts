/**
 * Gzip decompression through `node:zlib` (every member of a multi-member
 * file; a corrupt or truncated stream throws), with `node:zlib` and
 * `node:stream` loaded at the first decompression rather than imported:
 * importing a `node:` module loads Deno's Node.js compatibility layer at
 * start, which a command reading a session without compressed segments does
 * not need. `process.getBuiltinModule` loads them synchronously, so the
 * synchronous readers (the segment layout, an archive's size) keep their
 * signatures.
 *
 * @module
 */

/** What is used of `node:zlib`. */
interface NodeZlib {
  gunzipSync(compressed: Uint8Array): Uint8Array;
  createGunzip(): GunzipStream;
}

/** What is used of `node:stream`. */
interface NodeStream {
  Readable: { from(source: AsyncIterable<Uint8Array>): { pipe<T>(destination: T): T } };
}

/**
 * Node.js's built-in module `specifier`, through the `process` global Deno
 * provides. Typed here: Deno declares Node.js's types only for a program that
 * imports a `node:` module, which this one is written not to need.
 */
function builtinModule<T>(specifier: string): T {
  const { process } = globalThis as unknown as {
    process: { getBuiltinModule(specifier: string): unknown };
  };
  return process.getBuiltinModule(specifier) as T;
}

let zlib: NodeZlib | undefined;
let stream: NodeStream | undefined;

/**
 * The decompressed bytes of `compressed`, a gzip stream of one or more
 * members; throws when it is not gzip, corrupt or cut short.
 *
 * @example
 * ```ts
 * import { gunzipSync } from "./gunzip.ts";
 * const gz = new Uint8Array(
 *   await new Response(
 *     new Blob(["hello\n"]).stream().pipeThrough(new CompressionStream("gzip")),
 *   ).arrayBuffer(),
 * );
 * console.log(new TextDecoder().decode(gunzipSync(gz))); // hello
 * ```
 */
export function gunzipSync(compressed: Uint8Array): Uint8Array {
  zlib ??= builtinModule<NodeZlib>("node:zlib");
  return zlib.gunzipSync(compressed);
}

/** Decompressed chunks, read with `for await`; `destroy()` stops the decompression. */
export interface GunzipStream extends AsyncIterable<Uint8Array> {
  /** Stop decompressing (and reading the compressed chunks). */
  destroy(): void;
}

/**
 * The decompressed chunks of the gzip stream that `compressed` yields (any
 * number of members), decompressed as they are read; iterating throws when
 * the stream is corrupt or cut short.
 *
 * @example
 * ```ts
 * import { gunzipStream } from "./gunzip.ts";
 * const gz = new Blob(["one\n", "two\n"]).stream().pipeThrough(new CompressionStream("gzip"));
 * let text = "";
 * for await (const chunk of gunzipStream(gz)) text += new TextDecoder().decode(chunk);
 * console.log(text); // one\ntwo\n
 * ```
 */
export function gunzipStream(compressed: AsyncIterable<Uint8Array>): GunzipStream {
  zlib ??= builtinModule<NodeZlib>("node:zlib");
  stream ??= builtinModule<NodeStream>("node:stream");
  return stream.Readable.from(compressed).pipe(zlib.createGunzip());
}
