// Test suite: the dashboard server: connections, limits, shutdown.
// One `deno test` worker runs every file imported here (see tests/suites/README.md).
import "../server/answer_door_test.ts";
import "../server/stream_here_test.ts";
import "../server/app_test.ts";
import "../server/assets_test.ts";
import "../server/connection_guard_descriptors_test.ts";
import "../server/connection_guard_test.ts";
import "../server/dashboard_server_test.ts";
import "../server/fd_limit_test.ts";
import "../server/request_deadline_test.ts";
import "../server/request_head_test.ts";
import "../server/retention_schedule_test.ts";
import "../server/shutdown_test.ts";
import "../server/telemetry_schedule_test.ts";
