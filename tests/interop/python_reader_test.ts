// Interop: the session file of the dry-run demo must be readable the way the original's Python
// reader reads it (json.loads per line, datetime.fromisoformat on `ts`, the payload field names
// of reference §6.2), and it must hold every gate decision the pipeline took.
import assert from "node:assert/strict";
import { runDemoScenario } from "../../cli/demo_scenario.ts";
import { memoryIo } from "../../cli/io.ts";

/** Our own Python check, written from the reference's description of the original reader. */
const PYTHON_READER = `
import json, sys, datetime
required = {
    "intent": ["side", "quantity", "current_price", "strategy_key"],
    "gate": ["gate_name", "passed", "reason", "modified_qty"],
    "order": ["client_id", "side", "quantity", "order_type"],
    "fill": ["client_id", "filled_quantity", "fill_price", "fill_notional", "fill_fee"],
    "error": ["error", "stacktrace"],
}
counts = {}
gates = []
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        if not line.strip():
            continue
        event = json.loads(line)
        assert list(event)[:6] == ["ts", "session_id", "symbol", "mode", "kind", "payload"], list(event)
        ts = datetime.datetime.fromisoformat(event["ts"])
        assert ts.utcoffset() == datetime.timedelta(0), event["ts"]
        for key in required[event["kind"]]:
            assert key in event["payload"], (event["kind"], key)
        counts[event["kind"]] = counts.get(event["kind"], 0) + 1
        if event["kind"] == "gate":
            gates.append([event["payload"]["gate_name"], event["payload"]["passed"]])
print(json.dumps({"counts": counts, "gates": gates}))
`;

async function findPython(): Promise<string | null> {
  for (const candidate of ["python3", "python"]) {
    try {
      const { success } = await new Deno.Command(candidate, {
        args: ["--version"],
        stdout: "null",
        stderr: "null",
      })
        .output();
      if (success) return candidate;
    } catch {
      // not installed under this name
    }
  }
  return null;
}

const python = await findPython();

Deno.test({
  name:
    "the demo session file reads with a Python reader of the original's format and holds every gate decision",
  ignore: python === null,
  async fn() {
    const logDir = await Deno.makeTempDir();
    try {
      const outcome = await runDemoScenario({ logDir, io: memoryIo(), quiet: true });
      const { code, stdout, stderr } = await new Deno.Command(python!, {
        args: ["-c", PYTHON_READER, outcome.path],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(code, 0, new TextDecoder().decode(stderr));
      const read = JSON.parse(new TextDecoder().decode(stdout)) as {
        counts: Record<string, number>;
        gates: [string, boolean][];
      };
      const decisions = outcome.results.flatMap((r) =>
        r.gateDecisions.map((d) => [d.gate, d.passed])
      );
      assert.deepEqual(read.gates, decisions);
      const intents = outcome.results.filter((r) => r.status !== "noop").length;
      assert.equal(read.counts.intent, intents);
      assert.equal(read.counts.fill, outcome.results.filter((r) => r.status === "filled").length);
    } finally {
      await Deno.remove(logDir, { recursive: true });
    }
  },
});

if (python === null) {
  console.warn(
    "python_reader_test: no python3 on this machine; the Python interop test is skipped",
  );
}
