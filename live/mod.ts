/**
 * Reading session timelines: line reading, timeline, summary, follow and the
 * session list.
 *
 * @module
 */
export * from "./types.ts";
export * from "./read_events.ts";
export * from "./describe.ts";
export * from "./timeline.ts";
export * from "./summary.ts";
export * from "./follow.ts";
export * from "./sessions.ts";
export * from "./log_changed_error.ts";
export * from "./timeline_query.ts";
export type { TimelineExtraFilters } from "./timeline_extra_filter.ts";
export * from "./follow_start.ts";
