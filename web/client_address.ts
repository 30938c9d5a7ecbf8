/**
 * The address of the client a request came from. `Deno.serve` hands Hono its
 * connection info as the app's environment (`c.env.remoteAddr`); the
 * dashboard server passes the same shape with the address its connection
 * guard accepted. `app.request()` in tests has none.
 *
 * @module
 */

/**
 * The client's IP address from a Hono environment shaped like
 * `Deno.ServeHandlerInfo`, or `null` when the request carries none (a Unix
 * socket, or a test's `app.request()`).
 *
 * @example
 * ```ts
 * import { clientAddress } from "./client_address.ts";
 * const env = { remoteAddr: { transport: "tcp", hostname: "192.0.2.7", port: 50000 } };
 * console.log(clientAddress(env)); // "192.0.2.7"
 * console.log(clientAddress(undefined)); // null
 * ```
 */
export function clientAddress(env: unknown): string | null {
  const addr = (env as { remoteAddr?: Partial<Deno.NetAddr> } | undefined)?.remoteAddr;
  return typeof addr?.hostname === "string" && addr.hostname !== "" ? addr.hostname : null;
}
