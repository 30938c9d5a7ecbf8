/**
 * The live-follow stream's messages, encoded once and shared: a batch of the
 * follow hub is turned into one `event: batch` message per filter (every
 * client with that filter gets the same bytes), each row's JSON is built once
 * for all filters, and a summary is encoded once for every client.
 *
 * Format (docs/live.md): `event: batch`, `id:` = the byte offset just after
 * the last line the batch covers (filtered-out lines included, so a resume
 * never reads them again), `data: {"rows": [...oldest first, each with
 * "end"], "end": <that offset>}`; `event: reset` with `id:` = where reading
 * starts again (0 before any rotation, else the logical start of the active
 * file) and `data: {"reason": ...}`; `event: summary` (no `id:`, so the
 * resume point is unchanged) with the whole-session summary.
 *
 * @module
 */
import type { FollowBatch, FollowEventItem } from "../live/follow_hub.ts";

const encoder = new TextEncoder();

/** Row JSON (`{...row, end}`) per event, built once however many filters send it. */
const rowJson = new WeakMap<FollowEventItem, string>();
/** Encoded messages per batch and filter key. */
const messages = new WeakMap<FollowBatch, Map<string, Uint8Array<ArrayBuffer>>>();

function rowOf(item: FollowEventItem): string {
  let json = rowJson.get(item);
  if (json === undefined) {
    json = JSON.stringify({ ...item.row, end: item.end });
    rowJson.set(item, json);
  }
  return json;
}

/**
 * The SSE message for `batch` as seen through a filter (`matches`, whose
 * canonical text is `filterKey`): `batch`, `reset` or `summary`. Encoded
 * once per batch and filter key; the same bytes go to every client.
 *
 * @example
 * ```ts
 * import { batchMessage } from "./sse_batch.ts";
 * const reset = { events: [], end: 0, reset: "truncated" as const, summary: null, bytes: 0 };
 * console.log(new TextDecoder().decode(batchMessage(reset, "all", () => true)));
 * // "event: reset\nid: 0\ndata: {\"reason\":\"truncated\"}\n\n"
 * ```
 */
export function batchMessage(
  batch: FollowBatch,
  filterKey: string,
  matches: (item: FollowEventItem) => boolean,
): Uint8Array<ArrayBuffer> {
  let byKey = messages.get(batch);
  if (byKey === undefined) {
    byKey = new Map();
    messages.set(batch, byKey);
  }
  // Resets and summaries are the same for every filter.
  const key = batch.reset !== null || batch.summary !== null ? "" : filterKey;
  let bytes = byKey.get(key);
  if (bytes === undefined) {
    bytes = encoder.encode(encode(batch, matches));
    byKey.set(key, bytes);
  }
  return bytes;
}

function encode(batch: FollowBatch, matches: (item: FollowEventItem) => boolean): string {
  if (batch.reset !== null) {
    return `event: reset\nid: ${batch.end}\ndata: ${JSON.stringify({ reason: batch.reset })}\n\n`;
  }
  if (batch.summary !== null) return `event: summary\ndata: ${JSON.stringify(batch.summary)}\n\n`;
  const rows: string[] = [];
  for (const item of batch.events) if (matches(item)) rows.push(rowOf(item));
  return `event: batch\nid: ${batch.end}\ndata: {"rows":[${
    rows.join(",")
  }],"end":${batch.end}}\n\n`;
}
