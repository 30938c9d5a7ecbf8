// Test suite: readers of session files: timeline, summary, follow, segments.
// One `deno test` worker runs every file imported here (see tests/suites/README.md).
import "../live/backward_lines_test.ts";
import "../live/describe_test.ts";
import "../live/fair_share_test.ts";
import "../live/fifo_test.ts";
import "../live/follow_hub_test.ts";
import "../live/follow_start_test.ts";
import "../live/follow_test.ts";
import "../live/line_stream_test.ts";
import "../live/log_root_counts_test.ts";
import "../live/read_events_test.ts";
import "../live/rotation_follow_cli_test.ts";
import "../live/segments_test.ts";
import "../live/series_test.ts";
import "../live/session_aggregate_test.ts";
import "../live/session_file_test.ts";
import "../live/session_overview_test.ts";
import "../live/sessions_test.ts";
import "../live/summary_pieces_test.ts";
import "../live/summary_test.ts";
import "../live/summary_workers_test.ts";
import "../live/telemetry_query_test.ts";
import "../live/timeline_export_test.ts";
import "../live/timeline_query_test.ts";
import "../live/timeline_test.ts";
import "../live/timestamps_test.ts";
