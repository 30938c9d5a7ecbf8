/**
 * The header of every dashboard page: the product name, the navigation, the
 * theme switch and, when the dashboard is protected by a token, a log-out
 * button (a POST form, so no link can log anyone out).
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

/**
 * The navigation of every page. The health console (`/live/telemetry`) and
 * the Prometheus metrics (`/metrics`) belong here once those routes exist.
 */
export const NAV_LINKS: readonly NavLink[] = [{ href: "/", label: "Sessions" }];

/** Props of {@linkcode PageHeader}. */
export interface PageHeaderProps {
  /** Whether a token protects the dashboard (then a log-out button shows). */
  auth: boolean;
  /** The path of the page shown (its link is marked current). */
  current: string;
}

/**
 * The site header.
 *
 * @example
 * ```tsx
 * import { PageHeader } from "./PageHeader.tsx";
 * // in a page: <PageHeader auth={false} current="/" />
 * ```
 */
export function PageHeader({ auth, current }: PageHeaderProps): JSX.Element {
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
