// Test suite: the dashboard in Chromium (hydration, filters, live follow, hostile data).
// One `deno test` worker runs every file imported here (see tests/suites/README.md).
import "../browser/dashboard_test.ts";
