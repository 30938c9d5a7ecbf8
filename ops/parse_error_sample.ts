/**
 * The parse-error sample of the original's 16F check, without its bug: the
 * newest plain files (active session files and not-yet-compressed segments)
 * and the newest compressed ones (segments and whole-session archives), up
 * to a fixed number of lines each. Plain files are sampled from their end
 * (the newest lines, the complete ones only: a line being written is not an
 * error), compressed files from their start. Blank lines are neither valid
 * nor invalid, as for every reader of this product.
 *
 * @module
 */
import { decodeEventLine } from "../execution/wire/line_decoder.ts";
import type { ByteLine } from "../execution/wire/line_stream.ts";
import { completeLinesEnd, readLinesBackward } from "../live/backward_lines.ts";
import { openSessionFile } from "../live/session_file.ts";
import { readCompressedLines } from "./compressed_lines.ts";
import type { FileFacts, LogRootInventory } from "./log_root_inventory.ts";

/** Files of each kind sampled (the original: 3 plain, 3 compressed). */
export const SAMPLED_FILES_PER_KIND = 3;
/** Lines sampled per file (the original: 1000). */
export const SAMPLED_LINES_PER_FILE = 1000;

/**
 * What the sample found.
 *
 * @example
 * ```ts
 * import type { ParseErrorSample } from "./parse_error_sample.ts";
 * const sample: ParseErrorSample = { files: 2, lines: 10, invalid: 1, unreadable: [] };
 * ```
 */
export interface ParseErrorSample {
  /** Files sampled. */
  files: number;
  /** Non-blank lines sampled. */
  lines: number;
  /** Of those, lines that are not a valid event (not JSON, not an object, oversized). */
  invalid: number;
  /** Files that could not be read to the end of their sample (a corrupt gzip stream). */
  unreadable: string[];
}

/** Count `line` into `sample` (a torn line is a write in progress and is not counted). */
function countSampled(line: ByteLine, sample: ParseErrorSample): void {
  if (line.status === "torn") return;
  if (line.status === "oversized") {
    sample.lines++;
    sample.invalid++;
    return;
  }
  const verdict = decodeEventLine(line.bytes, line.offset, line.end);
  if (verdict === "blank") return;
  sample.lines++;
  if (verdict === "invalid") sample.invalid++;
}

async function samplePlain(path: string, sample: ParseErrorSample): Promise<void> {
  const file = await openSessionFile(path);
  if (file === null) return;
  try {
    const end = await completeLinesEnd(file, (await file.stat()).size);
    let taken = 0;
    for await (const batch of readLinesBackward(file, end)) {
      for (const line of batch) {
        if (taken >= SAMPLED_LINES_PER_FILE) return;
        const before = sample.lines;
        countSampled(line, sample);
        taken += sample.lines - before;
      }
    }
  } finally {
    file.close();
  }
}

async function sampleCompressed(path: string, sample: ParseErrorSample): Promise<void> {
  let taken = 0;
  try {
    for await (const batch of readCompressedLines(path)) {
      for (const line of batch) {
        if (taken >= SAMPLED_LINES_PER_FILE) return;
        const before = sample.lines;
        countSampled(line, sample);
        taken += sample.lines - before;
      }
    }
  } catch {
    // A gzip stream that cannot be decompressed is itself a failure to parse the file.
    sample.unreadable.push(path);
  }
}

function newest(files: FileFacts[]): FileFacts[] {
  return files.sort((a, b) => b.mtime_ms - a.mtime_ms).slice(0, SAMPLED_FILES_PER_KIND);
}

/**
 * Sample the newest plain and compressed files of the inventory.
 *
 * @example
 * ```ts
 * import { scanLogRoot } from "./log_root_inventory.ts";
 * import { sampleParseErrors } from "./parse_error_sample.ts";
 * const sample = await sampleParseErrors(await scanLogRoot("logs/execution"));
 * console.log(sample.invalid, "of", sample.lines);
 * ```
 */
export async function sampleParseErrors(inventory: LogRootInventory): Promise<ParseErrorSample> {
  const plain: FileFacts[] = [];
  const compressed: FileFacts[] = [];
  for (const s of inventory.sessions) {
    if (s.active !== null) plain.push(s.active);
    if (s.archive !== null) compressed.push(s.archive);
    for (const segment of s.segments) (segment.compressed ? compressed : plain).push(segment);
  }
  const sample: ParseErrorSample = { files: 0, lines: 0, invalid: 0, unreadable: [] };
  for (const file of newest(plain)) {
    sample.files++;
    await samplePlain(file.path, sample);
  }
  for (const file of newest(compressed)) {
    sample.files++;
    await sampleCompressed(file.path, sample);
  }
  return sample;
}
