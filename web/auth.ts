/**
 * Bearer-token protection: with a token configured, every route needs
 * `Authorization: Bearer <token>`; browsers give the token once through a
 * login form and then carry an HttpOnly, SameSite=Strict cookie that expires
 * (12 h by default) and is signed with a key of this process only.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { jsonError } from "./errors.ts";

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
 * What is wrong with `token` as the dashboard token (a predicate such as
 * "must not be empty", for a sentence that names the token's source), or
 * `null` when it is fine. A token
 * travels in `Authorization: Bearer <token>`, so it must be printable ASCII
 * without spaces (letters, digits and punctuation), 1 to 4096 characters.
 *
 * @example
 * ```ts
 * import { tokenProblem } from "./auth.ts";
 * console.log(tokenProblem("s3cret-Token_1")); // null
 * console.log(tokenProblem("my secret") !== null); // true
 * ```
 */
export function tokenProblem(token: string): string | null {
  if (token === "") return "must not be empty";
  if (token.length > 4096) return "must be at most 4096 characters";
  if (!/^[\x21-\x7e]+$/.test(token)) {
    return "must be printable ASCII without spaces (letters, digits and punctuation), since " +
      "it is sent as `Authorization: Bearer <token>`";
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
   * spaces (see {@linkcode tokenProblem}), or the lifetime is not a positive number of seconds.
   */
  constructor(token: string, options: TokenGuardOptions = {}) {
    const problem = tokenProblem(token);
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
}

function defaultIsPublic(path: string): boolean {
  // Logging out needs no login: it only clears the cookie.
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
  const { guard, loginPage, isPublic = defaultIsPublic } = options;
  return async (c, next) => {
    if (isPublic(c.req.path)) return await next();
    const authorization = c.req.header("authorization");
    const bearer = authorization?.match(/^Bearer[ ]+(\S+)\s*$/i)?.[1];
    if (bearer !== undefined && await guard.checkToken(bearer)) return await next();
    const cookie = readCookie(c.req.header("cookie"), AUTH_COOKIE_NAME);
    if (cookie !== null && await guard.checkCookie(cookie)) return await next();
    if (wantsPage(c)) return await loginPage(c);
    const detail = authorization === undefined
      ? "this dashboard needs a token: send `Authorization: Bearer <token>`"
      : "the bearer token is wrong: use the token the server was started with";
    return jsonError(401, "unauthorized", detail, {
      "www-authenticate": 'Bearer realm="dashboard"',
    });
  };
}
