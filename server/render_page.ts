/**
 * Rendering a route module's page: its component inside the document shell,
 * with the islands it rendered named from the island registry.
 *
 * @module
 */
import { Fragment, h } from "preact";
import { PageHeader } from "../components/PageHeader.tsx";
import { renderToString } from "preact-render-to-string";
import { renderDocument } from "../web/document.ts";
import { IslandCollector, IslandContext } from "../web/island.tsx";
import type { ManifestRoute, RenderInit } from "../web/route.ts";
import { ISLANDS } from "./island_registry.ts";

/** Changes on every start so browsers fetch the current bundle and stylesheet. */
export const ASSET_VERSION: string = Date.now().toString(36);

/**
 * What the site header shows: the alerts firing now, and whether a token
 * protects the dashboard (a log-out button). Pages rendered without it (the
 * login form, before authentication) have no header.
 *
 * @example
 * ```ts
 * import type { PageChrome } from "./render_page.ts";
 * const chrome: PageChrome = { firing: 1, critical: false, auth: false };
 * ```
 */
export interface PageChrome {
  /** Whether a token protects the dashboard. */
  auth: boolean;
  /** Alerts firing. */
  firing: number;
  /** Whether one of them is critical. */
  critical: boolean;
}

/**
 * Render `route`'s page component with `data` as a full HTML response
 * (`no-store`: pages show live data), under the site header when `chrome`
 * is given.
 *
 * @example
 * ```ts
 * import { renderPage } from "./render_page.ts";
 * import { LOGIN_ROUTE } from "./manifest.ts";
 * const url = new URL("http://localhost/login");
 * const res = renderPage(LOGIN_ROUTE, { next: "/", error: null }, url, { status: 401 });
 * console.log(res.status); // 401
 * ```
 */
export function renderPage(
  route: ManifestRoute,
  data: unknown,
  url: URL,
  init: RenderInit = {},
  chrome: PageChrome | null = null,
): Response {
  const Page = route.module.default;
  if (Page === undefined) throw new Error(`route ${route.pattern} has no page component`);
  const islands = new IslandCollector(ISLANDS);
  const page = h(Page, { data: data as never, url });
  const body = renderToString(
    h(
      IslandContext.Provider,
      { value: islands },
      chrome === null
        ? page
        : h(Fragment, null, h(PageHeader, { current: url.pathname, ...chrome }), page),
    ),
  );
  const title = route.module.title?.(data as never) ?? "Execution dashboard";
  const html = renderDocument({
    title,
    body,
    islands: islands.records,
    assetVersion: ASSET_VERSION,
  });
  return new Response(html, {
    status: init.status ?? 200,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
  });
}
