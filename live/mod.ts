/**
 * Reading session timelines: line reading, timeline, summary, follow and the
 * session list.
 *
 * @module
 */
export * from "./types.ts";
