/**
 * The site header every dashboard page carries: links to the sessions and
 * to the telemetry console, and a badge on the latter while alerts fire.
 *
 * @module
 */
import type { JSX } from "preact";

/**
 * Props of {@linkcode SiteNav}.
 *
 * @example
 * ```ts
 * import type { SiteNavProps } from "./SiteNav.tsx";
 * const props: SiteNavProps = { path: "/", firing: 2, critical: true };
 * ```
 */
export interface SiteNavProps {
  /** The current page's path (its link is marked as the current page). */
  path: string;
  /** Alerts firing now. */
  firing: number;
  /** Whether one of them is critical (the badge turns red). */
  critical: boolean;
}

/**
 * Renders the header links and the firing badge.
 *
 * @example
 * ```tsx
 * import SiteNav from "./SiteNav.tsx";
 * const nav = <SiteNav path="/" firing={1} critical={false} />;
 * ```
 */
export default function SiteNav({ path, firing, critical }: SiteNavProps): JSX.Element {
  const current = (href: string) => (path === href ? "page" : undefined);
  return (
    <nav class="site-nav" aria-label="Dashboard">
      <a href="/" aria-current={current("/")}>Sessions</a>
      <a href="/live/telemetry" aria-current={current("/live/telemetry")}>
        Telemetry health
        {firing > 0 && (
          <span
            class={`badge ${critical ? "badge-critical" : "badge-warn"}`}
            title={`${firing} alert(s) firing`}
          >
            {firing} firing
          </span>
        )}
      </a>
    </nav>
  );
}
