// Shared set-up of the browser tests: Debian's Chromium driven by playwright-core, with the launch
// flags this closed network needs (no background connections, no component updates).
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

function chromiumAvailable(): boolean {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
}

/** Whether Chromium is installed here. */
export const available: boolean = chromiumAvailable();
/** In CI the browser tests must run: a missing Chromium fails them instead of skipping. */
export const inCi: boolean = Deno.env.get("CI") === "true";
/** Skip (with a visible message) only outside CI and only when Chromium is missing. */
export const skipBrowserTests: boolean = !available && !inCi;

if (skipBrowserTests) {
  console.warn(`SKIPPED browser tests: ${CHROMIUM} not found (install Debian's chromium package)`);
}

/** Launch headless Chromium; fails with a clear message in CI when it is missing. */
export function launchChromium(): Promise<Browser> {
  if (!available) throw new Error(`${CHROMIUM} is required when CI=true`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
