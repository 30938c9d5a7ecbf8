/**
 * `deno task build`: build the island bundle (`static/islands.js`) now, e.g.
 * before `deno compile`, which embeds `static/` with `--include static`.
 * Pass `--force` to rebuild even when the bundle is fresh.
 *
 * @module
 */
import { ensureIslandBundle } from "./assets.ts";

if (import.meta.main) {
  const status = await ensureIslandBundle({ force: Deno.args.includes("--force") });
  console.log(`static/islands.js: ${status}`);
}
