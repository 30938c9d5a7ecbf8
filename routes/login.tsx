/**
 * `/login`: the form through which a browser gives the dashboard token once
 * (`GET` shows it, `POST` checks it and sets an HttpOnly, SameSite=Strict
 * cookie, then returns to the page asked for).
 *
 * @module
 */
import type { JSX } from "preact";
import type { Handlers, PageProps } from "../web/route.ts";

/**
 * What the login page renders.
 *
 * @example
 * ```ts
 * import type { LoginPageData } from "./login.tsx";
 * const data: LoginPageData = { next: "/", error: null };
 * ```
 */
export interface LoginPageData {
  /** Where to go after logging in (a same-origin path). */
  next: string;
  /** Why the last attempt failed, or `null`. */
  error: string | null;
}

/** An origin no request has: a `next` that resolves elsewhere names another host. */
const PROBE_ORIGIN = "http://next.invalid";

/**
 * Keep `next` a same-origin path (no `//host` or `/\host` open redirect),
 * percent-encoded as a URL parser would (so it is a valid `Location` header:
 * no control or non-ASCII characters); anything else becomes `/`.
 *
 * @example
 * ```ts
 * import { safeNextPath } from "./login.tsx";
 * console.log(safeNextPath("//evil.example")); // "/"
 * console.log(safeNextPath("/live/execution/demo?kind=fill")); // "/live/execution/demo?kind=fill"
 * console.log(safeNextPath("/caf\u00e9")); // "/caf%C3%A9"
 * ```
 */
export function safeNextPath(next: string | null | undefined): string {
  if (
    typeof next !== "string" || !next.startsWith("/") || next.startsWith("//") ||
    next.includes("\\") || next.length > 2048
  ) {
    return "/";
  }
  let url: URL;
  try {
    url = new URL(next, PROBE_ORIGIN);
  } catch {
    return "/";
  }
  if (url.origin !== PROBE_ORIGIN) return "/";
  const path = url.pathname + url.search;
  // The parser encodes controls, DEL and non-ASCII; a path that still holds one is refused.
  return /^\/[\x21-\x7e]*$/.test(path) && !path.startsWith("//") ? path : "/";
}

/** A 303 to a same-origin path whose headers later middleware may still set. */
function seeOther(location: string, headers: Record<string, string> = {}): Response {
  return new Response(null, {
    status: 303,
    headers: { location, "cache-control": "no-store", ...headers },
  });
}

/** Shows the form, or checks a submitted token. */
export const handler: Handlers<LoginPageData> = {
  GET(ctx) {
    const next = safeNextPath(ctx.url.searchParams.get("next"));
    if (ctx.state.guard === null) return seeOther(next);
    return ctx.render({ next, error: null }, { status: 200 });
  },
  async POST(ctx) {
    const guard = ctx.state.guard;
    const client = ctx.clientAddress;
    const failures = ctx.state.authFailures;
    // Past the failure budget nothing is checked (no guessing oracle), and nothing waits.
    const wait = guard === null || client === null ? 0 : failures.retryAfterSeconds(client);
    if (wait > 0) {
      const res = ctx.render({
        next: "/",
        error: `Too many wrong tokens from your address: try again in ${wait} s.`,
      }, { status: 429 });
      res.headers.set("retry-after", String(wait));
      return res;
    }
    let form: FormData;
    try {
      form = await ctx.req.formData();
    } catch {
      return ctx.render({ next: "/", error: "The form could not be read: submit it again." }, {
        status: 400,
      });
    }
    const token = form.get("token");
    const next = safeNextPath(String(form.get("next") ?? "/"));
    if (guard === null) return seeOther(next);
    if (typeof token !== "string" || !(await guard.checkToken(token))) {
      const lockout = client === null ? 0 : failures.fail(client);
      if (lockout > 0) {
        ctx.state.refusals.refused(
          `401 login from ${client}: wrong token, locked ${lockout} s`,
        );
      }
      return ctx.render({
        next,
        error: "That token is wrong. Use the token the server was started with " +
          "(--token or PEAK_DASHBOARD_TOKEN).",
      }, { status: 401 });
    }
    if (client !== null) failures.succeed(client);
    return seeOther(next, {
      "set-cookie": await guard.loginCookie(ctx.url.protocol === "https:"),
    });
  },
};

/**
 * The page title.
 *
 * @example
 * ```ts
 * import { title } from "./login.tsx";
 * console.log(title()); // "Log in"
 * ```
 */
export function title(): string {
  return "Log in";
}

/**
 * Renders the token form.
 *
 * @example
 * ```tsx
 * import LoginPage from "./login.tsx";
 * const page = <LoginPage data={{ next: "/", error: null }} url={new URL("http://localhost/login")} />;
 * ```
 */
export default function LoginPage({ data }: PageProps<LoginPageData>): JSX.Element {
  return (
    <main class="page login">
      <h1>Execution dashboard</h1>
      <p>
        This dashboard is protected by a token. Enter it once; the browser keeps a login cookie.
      </p>
      {data.error !== null && <p class="error" role="alert">{data.error}</p>}
      <form method="post" action="/login" class="login-form">
        <input type="hidden" name="next" value={data.next} />
        <label class="field">
          <span>Token</span>
          <input type="password" name="token" autocomplete="current-password" required />
        </label>
        <button type="submit">Log in</button>
      </form>
    </main>
  );
}
