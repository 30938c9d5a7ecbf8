// Test suite: project-wide checks (architecture, lockfile, JSDoc examples) and the Prometheus/Grafana files.
// One `deno test` worker runs every file imported here (see tests/suites/README.md).
import "../architecture_test.ts";
import "../deploy/grafana_dashboard_test.ts";
import "../deploy/prometheus_rules_test.ts";
import "../deploy/prometheus_scrape_test.ts";
import "../doc_examples_test.ts";
import "../lockfile_test.ts";
import "../suites_test.ts";
