/**
 * The log root and the one place a session id becomes a file path. The id is
 * validated first, so nothing outside the log root is ever opened.
 *
 * @module
 */
import { join } from "./paths.ts";
import { assertValidSessionId } from "./session_id.ts";

/**
 * The default log root, relative to the working directory.
 *
 * @example
 * ```ts
 * import { DEFAULT_LOG_DIR } from "@peak-trade/execution";
 * console.log(DEFAULT_LOG_DIR); // "logs/execution"
 * ```
 */
export const DEFAULT_LOG_DIR = "logs/execution";

/**
 * The path of a session's file, `<baseDir>/<sessionId>.jsonl`, after
 * validating the id. Throws `InvalidSessionIdError` for an invalid id.
 *
 * @example
 * ```ts
 * import { sessionFilePath } from "@peak-trade/execution";
 * console.log(sessionFilePath("logs/execution", "paper-1")); // "logs/execution/paper-1.jsonl"
 * ```
 */
export function sessionFilePath(baseDir: string, sessionId: string): string {
  assertValidSessionId(sessionId);
  return join(baseDir, `${sessionId}.jsonl`);
}
