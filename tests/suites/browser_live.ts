// Test suite: live follow and layout in Chromium.
// One `deno test` worker runs every file imported here (see tests/suites/README.md).
import "../browser/layout_test.ts";
import "../browser/live_burst_test.ts";
import "../browser/live_follow_test.ts";
