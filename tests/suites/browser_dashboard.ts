// Test suite: the dashboard in Chromium (hydration, filters, hostile data, layout, live follow).
// One `deno test` worker runs every file imported here (see tests/suites/README.md); the browser
// tests are in two suites so that at most two Chromium instances run at once.
import "../browser/dashboard_test.ts";
import "../browser/layout_test.ts";
import "../browser/live_burst_test.ts";
import "../browser/live_follow_test.ts";
