/**
 * `POST /logout`: ends the browser's login (its cookie expires at once) and
 * returns to the login form (or the index, without a token). A POST only, so
 * no link or image can log anyone out; the same-origin check applies.
 *
 * @module
 */
import { logoutCookie } from "../web/auth.ts";
import type { Handlers } from "../web/route.ts";

/** Clears the login cookie. */
export const handler: Handlers = {
  POST(ctx) {
    return new Response(null, {
      status: 303,
      headers: {
        location: ctx.state.guard === null ? "/" : "/login",
        "cache-control": "no-store",
        "set-cookie": logoutCookie(ctx.url.protocol === "https:"),
      },
    });
  },
};
