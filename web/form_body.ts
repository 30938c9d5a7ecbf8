/**
 * Reading the small body of a state-changing request (a form of the
 * dashboard, or a script's JSON): bounded in size, flat string fields only.
 *
 * @module
 */
import { HttpError } from "./errors.ts";

/** A body larger than this is refused: the forms send a key and a duration. */
const MAX_BODY_BYTES = 4096;

/**
 * The fields of a `application/x-www-form-urlencoded` or `application/json`
 * body (a JSON object of strings); 415 for another type, 413 when too large,
 * 400 when it cannot be read.
 *
 * @example
 * ```ts
 * import { readFormFields } from "./form_body.ts";
 * const req = new Request("http://localhost/x", {
 *   method: "POST",
 *   headers: { "content-type": "application/x-www-form-urlencoded" },
 *   body: "rule=session_stale&ttl=30m",
 * });
 * console.log(await readFormFields(req)); // { rule: "session_stale", ttl: "30m" }
 * ```
 */
export async function readFormFields(req: Request): Promise<Record<string, string>> {
  const type = (req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded" && type !== "application/json") {
    await req.body?.cancel();
    throw new HttpError(
      415,
      "unsupported_media_type",
      "send the fields as a form (application/x-www-form-urlencoded) or as a JSON object",
    );
  }
  const bytes = await readBounded(req);
  const text = new TextDecoder().decode(bytes);
  if (type === "application/x-www-form-urlencoded") {
    return Object.fromEntries(new URLSearchParams(text));
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, "invalid_body", "the body is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpError(400, "invalid_body", "the body must be a JSON object of strings");
  }
  const fields: Record<string, string> = {};
  for (const [key, field] of Object.entries(value)) {
    if (typeof field !== "string") {
      throw new HttpError(400, "invalid_body", `${key}: expected a string`);
    }
    fields[key] = field;
  }
  return fields;
}

async function readBounded(req: Request): Promise<Uint8Array> {
  if (req.body === null) return new Uint8Array(0);
  const reader = req.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > MAX_BODY_BYTES) {
      await reader.cancel();
      throw new HttpError(
        413,
        "body_too_large",
        `the body must be at most ${MAX_BODY_BYTES} bytes`,
      );
    }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
