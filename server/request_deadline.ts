/**
 * A deadline on the time to answer: a handler stuck on a file read, or
 * queued behind one (a session's summary is computed one at a time), is
 * answered `503 request_timeout` with `Retry-After` instead of holding the
 * client, its connection and a shutdown forever. The deadline covers the
 * time until the response starts; an event stream that has started is not
 * cut by it.
 *
 * @module
 */
import { jsonError } from "../web/errors.ts";

/**
 * `answer`, or, when it is not ready within `ms` milliseconds, a `503
 * request_timeout` answer (`onLate` is called then). A late answer that
 * arrives afterwards is dropped and its body cancelled.
 *
 * @example
 * ```ts
 * import { answerWithin } from "./request_deadline.ts";
 * const stuck = new Promise<Response>(() => {});
 * const res = await answerWithin(stuck, 10);
 * console.log(res.status, res.headers.get("retry-after")); // 503 "5"
 * ```
 */
export async function answerWithin(
  answer: Promise<Response>,
  ms: number,
  onLate?: () => void,
): Promise<Response> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let late = false;
  const deadline = new Promise<Response>((resolve) => {
    timer = setTimeout(() => {
      late = true;
      onLate?.();
      resolve(jsonError(
        503,
        "request_timeout",
        `the server could not answer within ${ms / 1000} s (a session file may be very large, ` +
          "or blocked); retry shortly",
        { "retry-after": "5" },
      ));
    }, ms);
  });
  try {
    return await Promise.race([answer, deadline]);
  } finally {
    clearTimeout(timer);
    if (late) answer.then((res) => res.body?.cancel(), () => {}).catch(() => {});
  }
}
