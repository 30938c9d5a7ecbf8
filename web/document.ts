/**
 * The HTML document shell: head, stylesheet, the page body rendered by
 * Preact, and (when a page has islands) the islands' props as a JSON data
 * block plus the bundle as an external module script. Nothing here executes
 * inline, so the page satisfies `script-src 'self'`.
 *
 * @module
 */
import type { IslandRecord } from "./island.tsx";

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escape text for HTML content or a quoted attribute.
 *
 * @example
 * ```ts
 * import { escapeHtml } from "./document.ts";
 * console.log(escapeHtml("<img src=x>")); // "&lt;img src=x&gt;"
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]);
}

/**
 * Serialize `value` as JSON that is safe inside a `<script type="application/json">`
 * element: `<`, `>`, `&`, U+2028 and U+2029 are written as `\u` escapes, so
 * no `</script>` or `<!--` can end or alter the block.
 *
 * @example
 * ```ts
 * import { serializeJsonForHtml } from "./document.ts";
 * console.log(serializeJsonForHtml({ s: "</script>" })); // {"s":"\u003c/script\u003e"}
 * ```
 */
export function serializeJsonForHtml(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Input of {@linkcode renderDocument}.
 *
 * @example
 * ```ts
 * import type { DocumentParts } from "./document.ts";
 * const parts: DocumentParts = { title: "Sessions", body: "<main></main>", islands: [], assetVersion: "1" };
 * ```
 */
export interface DocumentParts {
  /** Page title (escaped here). */
  title: string;
  /** The page body, already rendered (and escaped) by Preact. */
  body: string;
  /** Islands rendered in the body. */
  islands: IslandRecord[];
  /** Cache-busting token appended to asset URLs. */
  assetVersion: string;
}

/**
 * Assemble the full HTML document.
 *
 * @example
 * ```ts
 * import { renderDocument } from "./document.ts";
 * const html = renderDocument({ title: "Sessions", body: "<main></main>", islands: [], assetVersion: "1" });
 * console.log(html.startsWith("<!DOCTYPE html>")); // true
 * ```
 */
export function renderDocument(parts: DocumentParts): string {
  const version = encodeURIComponent(parts.assetVersion);
  const scripts = parts.islands.length === 0
    ? ""
    : `<script type="application/json" id="__islands">${
      serializeJsonForHtml(parts.islands)
    }</script><script type="module" src="/static/islands.js?v=${version}"></script>`;
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    // Light and dark: the page follows prefers-color-scheme unless the reader chose a theme,
    // which theme.js applies before the first paint (an external script, so the CSP holds).
    `<meta name="color-scheme" content="light dark">` +
    `<title>${escapeHtml(parts.title)}</title>` +
    `<script src="/static/theme.js?v=${version}"></script>` +
    `<link rel="stylesheet" href="/static/uplot.css?v=${version}">` +
    `<link rel="stylesheet" href="/static/styles.css?v=${version}"></head>` +
    `<body>${parts.body}${scripts}</body></html>`;
}
