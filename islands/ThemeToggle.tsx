/**
 * The light/dark switch in the page header. The page follows the browser's
 * `prefers-color-scheme` until the switch is used; the choice is then kept
 * in local storage (and a `?theme=dark|light` in the URL wins for that
 * page). `static/theme.js` applies a stored choice before the page paints;
 * this island only flips it, and tells the charts (a `peak-theme-change`
 * event on `window`) so they redraw in the new colours.
 *
 * @module
 */
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";

/** Local storage key of the chosen theme. */
export const THEME_STORAGE_KEY = "peak-theme";
/** The event the switch sends on `window` after a change. */
export const THEME_CHANGE_EVENT = "peak-theme-change";

/** Whether the page shows the dark theme now. */
function isDark(): boolean {
  const chosen = document.documentElement.dataset.theme;
  if (chosen === "dark" || chosen === "light") return chosen === "dark";
  return matchMedia("(prefers-color-scheme: dark)").matches;
}

/**
 * The theme switch (no props).
 *
 * @example
 * ```tsx
 * import ThemeToggle from "./ThemeToggle.tsx";
 * // in the page header: <Island component={ThemeToggle} props={{}} />
 * const toggle = <ThemeToggle />;
 * ```
 */
export default function ThemeToggle(): JSX.Element {
  const [dark, setDark] = useState<boolean | null>(null);
  useEffect(() => setDark(isDark()), []);
  function flip(): void {
    const next = !isDark();
    document.documentElement.dataset.theme = next ? "dark" : "light";
    try {
      localStorage.setItem(THEME_STORAGE_KEY, next ? "dark" : "light");
    } catch {
      // Storage refused (private mode): the choice lasts for this page.
    }
    setDark(next);
    globalThis.dispatchEvent(new Event(THEME_CHANGE_EVENT));
  }
  return (
    <button
      type="button"
      class="theme-toggle secondary"
      aria-pressed={dark === null ? undefined : dark}
      disabled={dark === null}
      onClick={flip}
    >
      {dark === null ? "Theme" : dark ? "Dark mode: on" : "Dark mode: off"}
    </button>
  );
}
