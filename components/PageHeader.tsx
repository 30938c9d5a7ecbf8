/**
 * The header of every dashboard page: the product name, the navigation (the
 * sessions, the telemetry console with a badge while alerts fire, the
 * Prometheus metrics), the theme switch and, when the dashboard is protected
 * by a token, a log-out button (a POST form, so no link can log anyone out).
 * The page shell (`server/render_page.ts`) renders it above every page but
 * the login form.
 *
 * @module
 */
import type { JSX } from "preact";
import ThemeToggle from "../islands/ThemeToggle.tsx";
import { Island } from "../web/island.tsx";

/** A link of the header's navigation. */
export interface NavLink {
  /** Where it goes (a path on this server). */
  href: string;
  /** What it says. */
  label: string;
}

/** The navigation of every page. */
export const NAV_LINKS: readonly NavLink[] = [
  { href: "/", label: "Sessions" },
  { href: "/live/telemetry", label: "Telemetry health" },
  { href: "/metrics", label: "Metrics" },
];

/** Where the firing-alerts badge goes. */
const ALERTS_HREF = "/live/telemetry";

/** Props of {@linkcode PageHeader}. */
export interface PageHeaderProps {
  /** Whether a token protects the dashboard (then a log-out button shows). */
  auth: boolean;
  /** The path of the page shown (its link is marked current). */
  current: string;
  /** Alerts firing now (a badge on the telemetry link when more than 0). */
  firing: number;
  /** Whether one of them is critical (the badge turns red). */
  critical: boolean;
}

/**
 * The site header.
 *
 * @example
 * ```tsx
 * import { PageHeader } from "./PageHeader.tsx";
 * const header = <PageHeader auth={false} current="/" firing={0} critical={false} />;
 * ```
 */
export function PageHeader({ auth, current, firing, critical }: PageHeaderProps): JSX.Element {
  return (
    <header class="site-header">
      <a class="brand" href="/">Execution dashboard</a>
      <nav aria-label="Main">
        {NAV_LINKS.map((link) => (
          <a
            key={link.href}
            href={link.href}
            aria-current={link.href === current ? "page" : undefined}
          >
            {link.label}
            {link.href === ALERTS_HREF && firing > 0 && (
              <span
                class={`badge ${critical ? "badge-critical" : "badge-warn"}`}
                title={`${firing} alert(s) firing`}
              >
                {firing} firing
              </span>
            )}
          </a>
        ))}
      </nav>
      <span class="site-header-actions">
        <Island component={ThemeToggle} props={{}} />
        {auth && (
          <form method="post" action="/logout" class="logout">
            <button type="submit" class="secondary">Log out</button>
          </form>
        )}
      </span>
    </header>
  );
}
