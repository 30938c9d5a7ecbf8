// Test suite: the dashboard features in Chromium (charts, filters, exports, login).
// One `deno test` worker runs every file imported here (see tests/suites/README.md).
import "../browser/dashboard_features_test.ts";
