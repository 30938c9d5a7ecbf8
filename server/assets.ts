/**
 * The dashboard's static assets: the hand-written stylesheet and the island
 * bundle that `deno bundle` builds from `server/client.tsx` into
 * `static/islands.js` (`static/` at the project root, as in Fresh). Assets
 * are read relative to this module, so a binary built with
 * `deno compile --include static` serves them from its embedded file system.
 *
 * @module
 */

const PROJECT_ROOT = new URL("../", import.meta.url);
const STATIC_DIR = new URL("static/", PROJECT_ROOT);
const BUNDLE = new URL("islands.js", STATIC_DIR);
const CLIENT_ENTRY = new URL("server/client.tsx", PROJECT_ROOT);
/**
 * Sources whose change makes the bundle stale: the entry, the registry, and
 * every folder the islands may import from. Whole folders over-approximate
 * the bundle's module graph (a server-only change rebuilds once), which is
 * cheaper and surer than asking `deno info` for the graph on every start.
 */
const BUNDLE_SOURCES = [
  CLIENT_ENTRY,
  new URL("server/island_registry.ts", PROJECT_ROOT),
  new URL("islands/", PROJECT_ROOT),
  new URL("components/", PROJECT_ROOT),
  new URL("web/", PROJECT_ROOT),
  new URL("live/", PROJECT_ROOT),
  new URL("execution/", PROJECT_ROOT),
];

/** The files `/static/:file` may serve, with their content types; nothing else is reachable. */
const STATIC_FILES: Readonly<Record<string, string>> = {
  "styles.css": "text/css; charset=utf-8",
  "islands.js": "text/javascript; charset=utf-8",
  "theme.js": "text/javascript; charset=utf-8",
  "uplot.css": "text/css; charset=utf-8",
};
/** uPlot's stylesheet, copied from its npm package into `static/` by the build. */
const UPLOT_CSS = new URL("uplot.css", STATIC_DIR);

/**
 * Options of {@linkcode ensureIslandBundle}.
 *
 * @example
 * ```ts
 * import type { IslandBundleOptions } from "./assets.ts";
 * const options: IslandBundleOptions = { force: true };
 * ```
 */
export interface IslandBundleOptions {
  /**
   * Rebuild even when the bundle is newer than its sources.
   * @default {false}
   */
  force?: boolean;
}

/**
 * What {@linkcode ensureIslandBundle} did: `built` (it ran `deno bundle`),
 * `fresh` (the bundle was newer than every source), `stale` (older than its
 * sources, and rebuilding failed, so the old bundle is served) or `prebuilt`
 * (no sources here, as in a compiled binary; the embedded bundle is used).
 *
 * @example
 * ```ts
 * import type { IslandBundleStatus } from "./assets.ts";
 * const status: IslandBundleStatus = "fresh";
 * ```
 */
export type IslandBundleStatus = "built" | "fresh" | "stale" | "prebuilt";

async function mtimeOf(url: URL): Promise<number | null> {
  try {
    return (await Deno.stat(url)).mtime?.getTime() ?? null;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

async function newestMtime(url: URL): Promise<number | null> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(url);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  if (!info.isDirectory) return info.mtime?.getTime() ?? null;
  let newest: number | null = null;
  for await (const entry of Deno.readDir(url)) {
    const child = new URL(entry.name + (entry.isDirectory ? "/" : ""), url);
    const t = await newestMtime(child);
    if (t !== null && (newest === null || t > newest)) newest = t;
  }
  return newest;
}

/**
 * Build `static/islands.js` with `deno bundle` when it is missing or older
 * than the islands or the client entry. The build writes a temporary file and
 * renames it, so concurrent servers never serve half a bundle.
 *
 * @example
 * ```ts
 * import { ensureIslandBundle } from "./assets.ts";
 * console.log(await ensureIslandBundle()); // "built", "fresh", "stale" or "prebuilt"
 * ```
 */
export async function ensureIslandBundle(
  options: IslandBundleOptions = {},
): Promise<IslandBundleStatus> {
  const bundleTime = await mtimeOf(BUNDLE);
  if (await mtimeOf(CLIENT_ENTRY) === null) {
    if (bundleTime !== null) return "prebuilt";
    throw new Error(
      "static/islands.js is missing and server/client.tsx is not here to build it from: " +
        "run `deno task build` in the project before `deno compile`",
    );
  }
  if (!options.force && bundleTime !== null && await mtimeOf(UPLOT_CSS) !== null) {
    let newestSource = 0;
    for (const source of BUNDLE_SOURCES) {
      newestSource = Math.max(newestSource, await newestMtime(source) ?? 0);
    }
    if (bundleTime >= newestSource) return "fresh";
  }
  try {
    await buildBundle();
  } catch (err) {
    // A stale bundle still works; refuse only when there is none at all.
    if (bundleTime === null) throw err;
    console.warn(
      `static/islands.js is older than its sources and could not be rebuilt ` +
        `(${err instanceof Error ? err.message : String(err)}); serving the existing bundle`,
    );
    return "stale";
  }
  return "built";
}

async function buildBundle(): Promise<void> {
  await Deno.mkdir(STATIC_DIR, { recursive: true });
  const temporary = new URL(`islands.${crypto.randomUUID()}.tmp.js`, STATIC_DIR);
  try {
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--config",
        new URL("deno.json", PROJECT_ROOT).pathname,
        "--platform",
        "browser",
        "--minify",
        "--output",
        temporary.pathname,
        CLIENT_ENTRY.pathname,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!output.success) {
      throw new Error(
        `deno bundle failed building static/islands.js:\n${
          new TextDecoder().decode(output.stderr)
        }`,
      );
    }
    await Deno.rename(temporary, BUNDLE);
  } finally {
    await Deno.remove(temporary).catch(() => {});
  }
  await copyUplotCss();
}

/**
 * Copy uPlot's stylesheet from its npm package (resolved through deno.json's
 * import map, so its pinned version) to `static/uplot.css`: served from here,
 * never from a CDN.
 */
async function copyUplotCss(): Promise<void> {
  const source = new URL(import.meta.resolve("uplot/dist/uPlot.min.css"));
  const temporary = new URL(`uplot.${crypto.randomUUID()}.tmp.css`, STATIC_DIR);
  try {
    await Deno.copyFile(source, temporary);
    await Deno.rename(temporary, UPLOT_CSS);
  } finally {
    await Deno.remove(temporary).catch(() => {});
  }
}

/**
 * Answer a request for `/static/<name>`: only the known assets, read fresh
 * each time (the bundle may be rebuilt while the server runs), otherwise
 * `null` so the caller answers 404.
 *
 * @example
 * ```ts
 * import { readStaticAsset } from "./assets.ts";
 * const res = await readStaticAsset("styles.css");
 * console.log(res?.headers.get("content-type")); // "text/css; charset=utf-8"
 * ```
 */
export async function readStaticAsset(name: string): Promise<Response | null> {
  if (!Object.hasOwn(STATIC_FILES, name)) return null;
  let body: Uint8Array<ArrayBuffer>;
  try {
    body = await Deno.readFile(new URL(name, STATIC_DIR));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  return new Response(body, {
    headers: { "content-type": STATIC_FILES[name], "cache-control": "no-cache" },
  });
}
