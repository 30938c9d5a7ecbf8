/**
 * Operations on a log root: retention (deletion and compression by policy).
 *
 * @module
 */
export * from "./retention/mod.ts";
