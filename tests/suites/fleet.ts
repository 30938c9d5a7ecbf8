// Test suite: fleet shipping and collection over a real nats-server.
// One `deno test` worker runs every file imported here (see tests/suites/README.md).
import "../execution/fleet/batch_message_test.ts";
import "../execution/fleet/central_session_test.ts";
import "../execution/fleet/line_key_test.ts";
import "../execution/fleet/ship_checkpoint_test.ts";
import "../execution/fleet/subjects_test.ts";
import "../fleet/central_session_file_test.ts";
import "../fleet/central_tail_key_test.ts";
import "../fleet/collector_gap_test.ts";
import "../fleet/fleet_bad_input_test.ts";
import "../fleet/fleet_connection_test.ts";
import "../fleet/fleet_end_to_end_test.ts";
import "../fleet/fleet_faults_test.ts";
import "../fleet/nats_emitter_test.ts";
import "../fleet/session_chunk_test.ts";
