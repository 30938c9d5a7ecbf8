/**
 * The key of the last line a central session holds (see `line_key.ts`),
 * read backwards from the end of its logical byte stream: the last line
 * with a `seq`, plus the lines without one after it. `collect` starts from
 * it when it opens a central session, so whatever is already in the file is
 * never written again.
 *
 * @module
 */
import { type LineKey, lineSeq } from "../execution/fleet/line_key.ts";
import { readFully } from "../execution/wire/positional_reader.ts";
import { openSessionView } from "../live/session_view.ts";

const LF = 0x0a;
const BLOCK_BYTES = 64 * 1024;

/** The key of the last line of `sessionId` in `baseDir` (`{seq: 0, n: 0}` for no line). */
export async function centralTailKey(baseDir: string, sessionId: string): Promise<LineKey> {
  using view = await openSessionView(baseDir, sessionId);
  let trailing = 0;
  for (let i = view.parts.length - 1; i >= 0; i--) {
    const part = view.parts[i];
    const reader = view.openPart(part);
    if (reader === null) continue;
    try {
      // Lines are read from the end; `carry` holds the start of a line cut by the block edge.
      let carry = new Uint8Array(0);
      let end = part.size;
      while (end > 0) {
        const start = Math.max(0, end - BLOCK_BYTES);
        const block = new Uint8Array(end - start + carry.length);
        const filled = await readFully(reader, start, block.subarray(0, end - start));
        if (filled < end - start) break; // shorter than it said (damaged): count what was read
        block.set(carry, end - start);
        // Without a complete line in the block (a long line), read further back.
        const first = start > 0 ? block.indexOf(LF) : -1;
        if (start > 0 && first === -1) {
          carry = block;
          end = start;
          continue;
        }
        // `lineEnd` is the index of a line's `\n`; the part's bytes end with one.
        let lineEnd = block.length - 1;
        if (block[lineEnd] !== LF) lineEnd = block.lastIndexOf(LF); // a torn tail is no line
        while (lineEnd > first) {
          // (lastIndexOf with a negative start would count from the end.)
          const lineStart = lineEnd === 0 ? 0 : block.lastIndexOf(LF, lineEnd - 1) + 1;
          const seq = lineSeq(block, lineStart, lineEnd);
          if (seq !== null) return { seq, n: trailing };
          trailing++;
          lineEnd = lineStart - 1;
        }
        carry = block.slice(0, first + 1);
        end = start;
      }
    } finally {
      reader.close();
    }
  }
  return { seq: 0, n: trailing };
}
