/**
 * Bearer-token protection: with a token configured, every route needs
 * `Authorization: Bearer <token>`; browsers give the token once through a
 * login form and then carry an HttpOnly, SameSite=Strict cookie.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { clientAddress } from "./client_address.ts";
import { jsonError } from "./errors.ts";
import type { FailureBudget } from "./failure_budget.ts";
import type { RefusalLog } from "./refusal_log.ts";

/**
 * Name of the cookie that carries a browser's login.
 *
 * @example
 * ```ts
 * import { AUTH_COOKIE_NAME } from "./auth.ts";
 * console.log(AUTH_COOKIE_NAME); // "peak_dashboard_auth"
 * ```
 */
export const AUTH_COOKIE_NAME = "peak_dashboard_auth";

const encoder = new TextEncoder();

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/** Compare two equal-length digests without an early exit. */
function digestsEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Fewest characters of a dashboard token: shorter ones can be guessed (16
 * random characters from `openssl rand -hex 8` are 64 bits).
 *
 * @example
 * ```ts
 * import { MIN_TOKEN_LENGTH } from "./auth.ts";
 * console.log(MIN_TOKEN_LENGTH); // 16
 * ```
 */
export const MIN_TOKEN_LENGTH = 16;

/**
 * What is wrong with `token` as a value of `Authorization: Bearer <token>`
 * (a predicate such as "must not be empty"), or `null` when it can be sent:
 * printable ASCII without spaces (letters, digits and punctuation), 1 to
 * 4096 characters. {@linkcode TokenGuard} needs this much.
 *
 * @example
 * ```ts
 * import { tokenFormatProblem } from "./auth.ts";
 * console.log(tokenFormatProblem("s3cret")); // null
 * console.log(tokenFormatProblem("my secret") !== null); // true
 * ```
 */
export function tokenFormatProblem(token: string): string | null {
  if (token === "") return "must not be empty";
  if (token.length > 4096) return "must be at most 4096 characters";
  if (!/^[\x21-\x7e]+$/.test(token)) {
    return "must be printable ASCII without spaces (letters, digits and punctuation), since " +
      "it is sent as `Authorization: Bearer <token>`";
  }
  return null;
}

/**
 * What is wrong with `token` as the token a dashboard starts with (a
 * predicate such as "must not be empty", for a sentence that names the
 * token's source), or `null` when it is fine: the format of
 * {@linkcode tokenFormatProblem}, and at least {@linkcode MIN_TOKEN_LENGTH}
 * characters.
 *
 * @example
 * ```ts
 * import { tokenProblem } from "./auth.ts";
 * console.log(tokenProblem("s3cret-Token_1-long-enough")); // null
 * console.log(tokenProblem("a") !== null); // true
 * ```
 */
export function tokenProblem(token: string): string | null {
  const format = tokenFormatProblem(token);
  if (format !== null) return format;
  if (token.length < MIN_TOKEN_LENGTH) {
    return `must be at least ${MIN_TOKEN_LENGTH} characters (got ${token.length}); ` +
      "generate one with `openssl rand -hex 32`";
  }
  return null;
}

/**
 * Checks candidate tokens and cookies against the configured token. The
 * cookie holds a digest of the token, never the token itself.
 *
 * @example
 * ```ts
 * import { TokenGuard } from "./auth.ts";
 * const guard = new TokenGuard("s3cret");
 * console.log(await guard.checkToken("s3cret")); // true
 * ```
 */
export class TokenGuard {
  #tokenDigest: Promise<Uint8Array>;
  #cookieValue: Promise<string>;
  #cookieDigest: Promise<Uint8Array>;

  /**
   * Guard the app with `token`.
   *
   * @throws {RangeError} when the token is empty, too long, or not printable ASCII without
   * spaces (see {@linkcode tokenFormatProblem}; the length rule is the server's, at startup).
   */
  constructor(token: string) {
    const problem = tokenFormatProblem(token);
    if (problem !== null) throw new RangeError(`the dashboard token ${problem}`);
    this.#tokenDigest = sha256(token);
    this.#cookieValue = sha256(`peak-dashboard-cookie\u0000${token}`).then(toHex);
    this.#cookieDigest = this.#cookieValue.then(sha256);
  }

  /** Whether `candidate` is the token (constant time over the digests). */
  async checkToken(candidate: string): Promise<boolean> {
    return digestsEqual(await sha256(candidate), await this.#tokenDigest);
  }

  /** Whether `candidate` is the value of a valid login cookie (constant time over digests). */
  async checkCookie(candidate: string): Promise<boolean> {
    return digestsEqual(await sha256(candidate), await this.#cookieDigest);
  }

  /** The `Set-Cookie` header value that logs a browser in. */
  async loginCookie(secure: boolean): Promise<string> {
    return `${AUTH_COOKIE_NAME}=${await this.#cookieValue}; Path=/; HttpOnly; SameSite=Strict${
      secure ? "; Secure" : ""
    }`;
  }
}

function readCookie(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/**
 * Options of {@linkcode tokenAuth}.
 *
 * @example
 * ```ts
 * import { TokenGuard, type TokenAuthOptions } from "./auth.ts";
 * const options: TokenAuthOptions = {
 *   guard: new TokenGuard("s3cret"),
 *   loginPage: () => new Response("log in", { status: 401 }),
 * };
 * ```
 */
export interface TokenAuthOptions {
  /** The configured token. */
  guard: TokenGuard;
  /** Answer for an unauthenticated browser asking for a page (the login form, status 401). */
  loginPage: (c: Context) => Response | Promise<Response>;
  /**
   * Paths reachable without the token (the login form's target, public assets).
   * @default {(path) => path === "/login" || path === "/favicon.ico" || path.startsWith("/static/")}
   */
  isPublic?: (path: string) => boolean;
  /**
   * Failed bearer tokens per client address: past the budget a client's
   * attempts answer `429` with `Retry-After` (without checking the token).
   * Requests without a client address (tests' `app.request()`) are not counted.
   * @default {undefined}
   */
  failures?: FailureBudget;
  /** Where a lockout is logged (one line). */
  log?: RefusalLog;
}

/**
 * The paths {@linkcode tokenAuth} lets through by default: the login form,
 * the favicon and the static assets.
 *
 * @example
 * ```ts
 * import { defaultIsPublic } from "./auth.ts";
 * console.log(defaultIsPublic("/login"), defaultIsPublic("/api/live/sessions")); // true false
 * ```
 */
export function defaultIsPublic(path: string): boolean {
  return path === "/login" || path === "/favicon.ico" || path.startsWith("/static/");
}

/** Whether the request is a browser navigation to a page (not the API). */
function wantsPage(c: Context): boolean {
  const path = c.req.path;
  return (c.req.method === "GET" || c.req.method === "HEAD") && !path.startsWith("/api/") &&
    path !== "/healthz";
}

/**
 * Middleware that refuses every request without the token: 401 JSON for the
 * API (with `WWW-Authenticate: Bearer`), the login form for pages.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { TokenGuard, tokenAuth } from "./auth.ts";
 * const app = new Hono();
 * app.use(tokenAuth({
 *   guard: new TokenGuard("s3cret"),
 *   loginPage: () => new Response("log in", { status: 401 }),
 * }));
 * ```
 */
export function tokenAuth(options: TokenAuthOptions): MiddlewareHandler {
  const { guard, loginPage, isPublic = defaultIsPublic, failures, log } = options;
  return async (c, next) => {
    if (isPublic(c.req.path)) return await next();
    // A login cookie cannot be guessed (it is a digest of the token), so it is checked first and
    // never counted: a browser with a stale cookie is not an attacker.
    const cookie = readCookie(c.req.header("cookie"), AUTH_COOKIE_NAME);
    if (cookie !== null && await guard.checkCookie(cookie)) return await next();
    const authorization = c.req.header("authorization");
    if (authorization !== undefined) {
      const client = failures === undefined ? null : clientAddress(c.env);
      const wait = client === null ? 0 : failures!.retryAfterSeconds(client);
      if (wait > 0) return tooManyFailures(wait);
      const bearer = authorization.match(/^Bearer[ ]+(\S+)\s*$/i)?.[1];
      if (bearer !== undefined && await guard.checkToken(bearer)) {
        if (client !== null) failures!.succeed(client);
        return await next();
      }
      if (client !== null) {
        const lockout = failures!.fail(client);
        if (lockout > 0) {
          log?.refused(`401 unauthorized from ${client}: wrong bearer token, locked ${lockout} s`);
        }
      }
    }
    if (wantsPage(c)) return await loginPage(c);
    const detail = authorization === undefined
      ? "this dashboard needs a token: send `Authorization: Bearer <token>`"
      : "the bearer token is wrong: use the token the server was started with";
    return jsonError(401, "unauthorized", detail, {
      "www-authenticate": 'Bearer realm="dashboard"',
    });
  };
}

/**
 * The answer to a client locked out after too many wrong tokens: `429
 * too_many_failures` with `Retry-After`.
 *
 * @example
 * ```ts
 * import { tooManyFailures } from "./auth.ts";
 * const res = tooManyFailures(4);
 * console.log(res.status, res.headers.get("retry-after")); // 429 "4"
 * ```
 */
export function tooManyFailures(retryAfterSeconds: number): Response {
  return jsonError(
    429,
    "too_many_failures",
    `too many wrong tokens from this address: try again in ${retryAfterSeconds} s ` +
      "with the token the server was started with",
    { "retry-after": String(retryAfterSeconds) },
  );
}
