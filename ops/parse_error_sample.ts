/**
 * The parse-error sample of the original's 16F check, without its bug: the
 * newest plain files (active session files and not-yet-compressed segments)
 * and the newest compressed ones (segments and whole-session archives), up
 * to a fixed number of lines each. A segment is sampled once, from the file
 * the readers read (not from both copies while it is being compressed).
 * Files are sampled from their end, the newest lines (the complete ones
 * only: a line being written is not an error), a compressed segment through
 * its gzip members; a whole-session archive, which has no member list, from
 * its start. Blank lines are neither valid nor invalid, as for every reader
 * of this product.
 *
 * @module
 */
import { decodeEventLine } from "../execution/wire/line_decoder.ts";
import type { ByteLine } from "../execution/wire/line_stream.ts";
import type { PositionalReader } from "../execution/wire/positional_reader.ts";
import { completeLinesEnd, readLinesBackward } from "../live/backward_lines.ts";
import { openSessionFile } from "../live/session_file.ts";
import { openSessionView } from "../live/session_view.ts";
import { readCompressedLines } from "./compressed_lines.ts";
import type { FileFacts, LogRootInventory, SessionFacts } from "./log_root_inventory.ts";

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

/** Count up to the sample's lines of `source`, newest first, from `end` back. */
async function sampleBackward(
  source: PositionalReader,
  end: number,
  sample: ParseErrorSample,
): Promise<void> {
  let taken = 0;
  for await (const batch of readLinesBackward(source, end)) {
    for (const line of batch) {
      if (taken >= SAMPLED_LINES_PER_FILE) return;
      const before = sample.lines;
      countSampled(line, sample);
      taken += sample.lines - before;
    }
  }
}

async function samplePlain(path: string, sample: ParseErrorSample): Promise<void> {
  const file = await openSessionFile(path);
  if (file === null) return;
  try {
    await sampleBackward(file, await completeLinesEnd(file, (await file.stat()).size), sample);
  } finally {
    file.close();
  }
}

async function sampleFromStart(path: string, sample: ParseErrorSample): Promise<void> {
  let taken = 0;
  for await (const batch of readCompressedLines(path)) {
    for (const line of batch) {
      if (taken >= SAMPLED_LINES_PER_FILE) return;
      const before = sample.lines;
      countSampled(line, sample);
      taken += sample.lines - before;
    }
  }
}

/** A compressed segment from its end through its members (from its start without them). */
async function sampleSegment(
  session: SessionFacts,
  index: number,
  path: string,
  sample: ParseErrorSample,
): Promise<void> {
  using view = await openSessionView(session.root, session.session_id);
  const part = view.parts.find((p) => p.segment?.index === index);
  const reader = part === undefined ? null : view.openPart(part);
  if (reader === null || !reader.random) {
    reader?.close();
    return await sampleFromStart(path, sample);
  }
  try {
    await sampleBackward(reader, part!.size, sample);
  } finally {
    reader.close();
  }
}

async function sampleCompressed(
  file: Candidate,
  sample: ParseErrorSample,
): Promise<void> {
  try {
    if (file.segment === null) await sampleFromStart(file.facts.path, sample);
    else await sampleSegment(file.session, file.segment, file.facts.path, sample);
  } catch {
    // A gzip stream that cannot be decompressed is itself a failure to parse the file.
    sample.unreadable.push(file.facts.path);
  }
}

/** A file to sample: its facts, its session, and its segment index (`null`: not a segment). */
interface Candidate {
  facts: FileFacts;
  session: SessionFacts;
  segment: number | null;
}

function newest(files: Candidate[]): Candidate[] {
  return files.sort((a, b) => b.facts.mtime_ms - a.facts.mtime_ms).slice(
    0,
    SAMPLED_FILES_PER_KIND,
  );
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
  const plain: Candidate[] = [];
  const compressed: Candidate[] = [];
  for (const session of inventory.sessions) {
    if (session.active !== null) plain.push({ facts: session.active, session, segment: null });
    if (session.archive !== null) {
      compressed.push({ facts: session.archive, session, segment: null });
    }
    for (const segment of session.segments) {
      (segment.compressed ? compressed : plain).push({
        facts: segment,
        session,
        segment: segment.index,
      });
    }
  }
  const sample: ParseErrorSample = { files: 0, lines: 0, invalid: 0, unreadable: [] };
  for (const file of newest(plain)) {
    sample.files++;
    await samplePlain(file.facts.path, sample);
  }
  for (const file of newest(compressed)) {
    sample.files++;
    await sampleCompressed(file, sample);
  }
  return sample;
}
