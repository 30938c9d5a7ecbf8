/**
 * Retention of session logs: a policy (age, count, total size,
 * compression), a plan that says what it would do and why with real sizes,
 * and apply, which does what the plan says. Works on whole sessions and on
 * closed segments of running ones; never touches what a writer is appending
 * to, never follows a symbolic link, and never works outside a checked log
 * root. See `docs/operations.md` ("Retention").
 *
 * @module
 */
export * from "./policy.ts";
export {
  isSameOrInside,
  type LogRoot,
  resolveLogRoot,
  type ResolveLogRootOptions,
  UnsafeLogRootError,
} from "../root_guard.ts";
export * from "./plan.ts";
export * from "./apply.ts";
export * from "./last_run_marker.ts";
export * from "./byte_count.ts";
