/**
 * Bearer-token protection: with a token configured, every route needs
 * `Authorization: Bearer <token>`; browsers give the token once through a
 * login form and then carry an HttpOnly, SameSite=Strict cookie that expires
 * (12 h by default) and is signed with a key of this process only.
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
 * How long a login lasts when not configured: 12 hours.
 *
 * @example
 * ```ts
 * import { DEFAULT_LOGIN_TTL_SECONDS } from "./auth.ts";
 * console.log(DEFAULT_LOGIN_TTL_SECONDS); // 43200
 * ```
 */
export const DEFAULT_LOGIN_TTL_SECONDS = 12 * 60 * 60;
/** Clock difference tolerated for a cookie issued "in the future" (another core's clock). */
const CLOCK_SKEW_SECONDS = 60;

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

/**
 * Options of {@linkcode TokenGuard}.
 *
 * @example
 * ```ts
 * import type { TokenGuardOptions } from "./auth.ts";
 * const options: TokenGuardOptions = { loginTtlSeconds: 3_600 };
 * ```
 */
export interface TokenGuardOptions {
  /**
   * How long a login cookie stays valid, in seconds.
   * @default {43200}
   */
  loginTtlSeconds?: number;
  /** The clock (epoch ms); tests move it. */
  now?: () => number;
}

/**
 * Checks candidate tokens and login cookies against the configured token.
 * A login cookie carries its issue time and an HMAC-SHA-256 signature made
 * with a key that exists only in this process: it never holds the token,
 * expires after `loginTtlSeconds`, and every login ends when the server
 * restarts. Tokens and signatures are compared in constant time.
 *
 * @example
 * ```ts
 * import { TokenGuard } from "./auth.ts";
 * const guard = new TokenGuard("s3cret-Token_1");
 * console.log(await guard.checkToken("s3cret-Token_1")); // true
 * ```
 */
export class TokenGuard {
  #tokenDigest: Promise<Uint8Array>;
  #key: Promise<CryptoKey>;
  #ttl: number;
  #now: () => number;

  /**
   * Guard the app with `token`.
   *
   * @throws {RangeError} when the token is empty, too long, or not printable ASCII without
   * spaces (see {@linkcode tokenFormatProblem}; the length rule is the server's, at startup), or the lifetime is not a positive number of seconds.
   */
  constructor(token: string, options: TokenGuardOptions = {}) {
    const problem = tokenFormatProblem(token);
    if (problem !== null) throw new RangeError(`the dashboard token ${problem}`);
    const ttl = options.loginTtlSeconds ?? DEFAULT_LOGIN_TTL_SECONDS;
    if (!(Number.isSafeInteger(ttl) && ttl > 0)) {
      throw new RangeError(`the login lifetime must be a whole number of seconds > 0, got ${ttl}`);
    }
    this.#ttl = ttl;
    this.#now = options.now ?? Date.now;
    this.#tokenDigest = sha256(token);
    this.#key = crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
    ]) as Promise<CryptoKey>;
  }

  /** How long a login lasts, in seconds. */
  get loginTtlSeconds(): number {
    return this.#ttl;
  }

  /** Whether `candidate` is the token (constant time over the digests). */
  async checkToken(candidate: string): Promise<boolean> {
    return digestsEqual(await sha256(candidate), await this.#tokenDigest);
  }

  async #signature(issuedAt: number): Promise<string> {
    const mac = await crypto.subtle.sign(
      "HMAC",
      await this.#key,
      encoder.encode(`peak-dashboard-login\u0000${issuedAt}`),
    );
    return base64url(new Uint8Array(mac));
  }

  /** Whether `candidate` is a login cookie this process issued and that has not expired. */
  async checkCookie(candidate: string): Promise<boolean> {
    const m = /^v1\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(candidate);
    if (m === null) return false;
    const issuedAt = Number(m[1]);
    const expected = await this.#signature(issuedAt);
    // Compare the signature before looking at the time, so timing says nothing about either.
    const valid = digestsEqual(encoder.encode(m[2]), encoder.encode(expected));
    const now = Math.floor(this.#now() / 1000);
    return valid && issuedAt <= now + CLOCK_SKEW_SECONDS && now - issuedAt < this.#ttl;
  }

  /** The `Set-Cookie` header value that logs a browser in (for `loginTtlSeconds`). */
  async loginCookie(secure: boolean): Promise<string> {
    const issuedAt = Math.floor(this.#now() / 1000);
    const value = `v1.${issuedAt}.${await this.#signature(issuedAt)}`;
    return `${AUTH_COOKIE_NAME}=${value}; Path=/; Max-Age=${this.#ttl}; HttpOnly; SameSite=Strict${
      secure ? "; Secure" : ""
    }`;
  }
}

/**
 * The `Set-Cookie` header value that logs a browser out (the cookie expires now).
 *
 * @example
 * ```ts
 * import { logoutCookie } from "./auth.ts";
 * console.log(logoutCookie(false)); // "peak_dashboard_auth=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"
 * ```
 */
export function logoutCookie(secure: boolean): string {
  return `${AUTH_COOKIE_NAME}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict${
    secure ? "; Secure" : ""
  }`;
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
   * Paths reachable without the token (the login form's target, log-out, public assets).
   * @default {(path) => path === "/login" || path === "/logout" || path === "/favicon.ico" || path.startsWith("/static/")}
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
 * log-out (it only clears the cookie), the favicon and the static assets.
 *
 * @example
 * ```ts
 * import { defaultIsPublic } from "./auth.ts";
 * console.log(defaultIsPublic("/login"), defaultIsPublic("/api/live/sessions")); // true false
 * ```
 */
export function defaultIsPublic(path: string): boolean {
  return path === "/login" || path === "/logout" || path === "/favicon.ico" ||
    path.startsWith("/static/");
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
    // A login cookie cannot be forged (it is signed with this process's key), so it is checked first and
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
