import assert from "node:assert/strict";
import {
  FLAG_FEE_TEXT,
  FLAG_NOTIONAL_TEXT,
  FLAG_TS_TEXT,
  type KernelBuffer,
  lineKernel,
  RECORD_FLOATS,
  RECORD_INTS,
  VERDICT_OVERSIZED,
  VERDICT_UNSURE,
} from "../../../execution/wire/line_kernel.ts";
import { LINE_KERNEL_SOURCE_SHA256 } from "../../../execution/wire/line_kernel_wasm.ts";
import { newScannedEvent, SCAN_VALID, scanEventLine } from "../../../execution/wire/line_scan.ts";
import { parseTimestampMicros } from "../../../execution/wire/timestamps.ts";
import { decodeEventLine } from "../../../execution/wire/line_decoder.ts";
import { gateName } from "../../../execution/wire/gate_payload.ts";
import { SessionLineGenerator } from "../../../bench/live_fixture.ts";
import { FIXTURES, sessionLines, wireLine } from "../../live/helpers.ts";
import { seededRandom } from "../../seeded_random.ts";

const encoder = new TextEncoder();
const MAX_LINE = 1024 * 1024;

interface KernelLine {
  verdict: number;
  fields: Record<string, unknown> | null;
}

function asciiText(bytes: Uint8Array, start: number, stop: number): string {
  return String.fromCharCode(...bytes.subarray(start, stop));
}

/** Run the kernel over `bytes` (whole lines) in one leased buffer: its verdict and fields per line. */
function kernelLines(bytes: Uint8Array): KernelLine[] {
  const kernel = lineKernel();
  const lease = kernel.lease(bytes.length);
  assert.ok(lease !== null, "a kernel buffer is free");
  try {
    lease.bytes.set(bytes);
    kernel.prepare();
    const out: KernelLine[] = [];
    let at = 0;
    while (true) {
      const n = kernel.scan(lease, at, bytes.length, MAX_LINE);
      for (let r = 0; r < n; r++) {
        const i = r * RECORD_INTS;
        const verdict = kernel.ints[i];
        if (verdict <= 0) {
          out.push({ verdict, fields: null });
          continue;
        }
        const c = kernel.classes[verdict];
        const f = r * RECORD_FLOATS;
        const flags = kernel.ints[i + 3];
        const view = lease.bytes;
        out.push({
          verdict,
          fields: {
            kind: c.kind,
            mode: c.mode,
            symbol: c.symbol,
            gateName: c.gateName,
            passed: c.passed,
            decision: c.decision,
            code: c.code,
            side: c.side,
            tsMicros: flags & FLAG_TS_TEXT
              ? parseTimestampMicros(asciiText(view, kernel.ints[i + 4], kernel.ints[i + 5])) ??
                NaN
              : kernel.floats[f],
            fillNotional: flags & FLAG_NOTIONAL_TEXT
              ? Number(asciiText(view, kernel.ints[i + 6], kernel.ints[i + 7]))
              : kernel.floats[f + 1],
            fillFee: flags & FLAG_FEE_TEXT
              ? Number(asciiText(view, kernel.ints[i + 8], kernel.ints[i + 9]))
              : kernel.floats[f + 2],
          },
        });
      }
      at = kernel.nextLine();
      if (n < kernel.recordCapacity) break;
    }
    return out;
  } finally {
    lease.release();
  }
}

/**
 * What a summary gets from a line (without its line ending) the JavaScript
 * way: the scanner's fields when it is sure, else the general decoder's (as
 * `summary_state.ts` converts them); null for a line that is not an event.
 */
function referenceFields(line: Uint8Array): Record<string, unknown> | null {
  let stop = line.length;
  if (stop > 0 && line[stop - 1] === 0x0d) stop--;
  const e = newScannedEvent();
  if (line[0] === 0x7b && scanEventLine(line, 0, stop, e) === SCAN_VALID) return { ...e };
  const verdict = decodeEventLine(line.subarray(0, stop), 0, line.length + 1);
  if (verdict === "invalid" || verdict === "blank") return null;
  const payload = verdict.payload;
  const fields = typeof payload === "object" && payload !== null && !Array.isArray(payload)
    ? payload as Record<string, unknown>
    : {};
  return {
    kind: verdict.kind,
    tsMicros: verdict.ts_micros ?? NaN,
    symbol: verdict.symbol,
    gateName: gateName(payload),
    passed: typeof fields.passed === "boolean" ? fields.passed : null,
    decision: typeof fields.decision === "string" ? fields.decision : null,
    fillNotional: typeof fields.fill_notional === "number" ? fields.fill_notional : NaN,
    fillFee: typeof fields.fill_fee === "number" ? fields.fill_fee : NaN,
    mode: verdict.mode,
    code: typeof fields.code === "string" ? fields.code : null,
    side: typeof fields.side === "string" ? fields.side : null,
  };
}

/** Lines of `text` as bytes without their `\n`. */
function splitLines(bytes: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let nl = bytes.indexOf(0x0a); nl !== -1; nl = bytes.indexOf(0x0a, start)) {
    lines.push(bytes.subarray(start, nl));
    start = nl + 1;
  }
  return lines;
}

/** Assert the kernel is never sure of a line the JavaScript way reads otherwise. */
function assertAgrees(bytes: Uint8Array): { valid: number; unsure: number } {
  const lines = splitLines(bytes);
  const records = kernelLines(bytes);
  assert.equal(records.length, lines.length, "one record per line");
  let valid = 0;
  let unsure = 0;
  for (let i = 0; i < lines.length; i++) {
    const record = records[i];
    if (record.verdict === VERDICT_UNSURE || record.verdict === VERDICT_OVERSIZED) {
      unsure++;
      continue;
    }
    valid++;
    const expected = referenceFields(lines[i]);
    const text = new TextDecoder().decode(lines[i]);
    assert.ok(expected !== null, `the kernel was sure of a line that is not an event: ${text}`);
    for (const [key, value] of Object.entries(expected)) {
      assert.ok(
        Object.is(record.fields![key], value),
        `${key}: kernel ${String(record.fields![key])}, scanner ${String(value)} in ${text}`,
      );
    }
  }
  return { valid, unsure };
}

/** Lines of the benchmark generator and the test helpers, as a session writes them. */
function realisticLines(count: number): string {
  const generator = new SessionLineGenerator("kernel-test");
  let text = "";
  for (let i = 0; i < count; i++) text += generator.next();
  return text + sessionLines("k", 64);
}

/** Lines whose shape or values the wire allows but this product does not write. */
const EDGE_LINES = [
  '{"kind":"fill","payload":{"fill_notional":12345678901234567,"fill_fee":1e-3}}',
  '{"kind":"fill","payload":{"fill_notional":-0.0,"fill_fee":NaN}}',
  '{"kind":"fill","payload":{"fill_notional":Infinity,"fill_fee":-Infinity}}',
  '{"kind":"fill","payload":{"fill_notional":0.30000000000000004,"fill_fee":1.5E+2}}',
  '{ "ts": "2026-11-25T09:30:45.123456+00:00", "kind": "gate", "payload": {"gate": "LotSize", "decision": "ALLOW"} }',
  '{"ts":"2026-11-25T09:30:45","kind":"intent","symbol":"BTC-USD"}',
  '{"ts":"2026-11-25T09:30:45Z","kind":"fill","symbol":"BTC-USD","payload":{"side":"buy"}}',
  '{"ts":"2026-02-30T09:30:45.000000+00:00","kind":"intent"}',
  '{"ts":"0000-01-01T00:00:00.000000+00:00","kind":"intent"}',
  '{"ts":"9999-12-31T23:59:59.999999+00:00","kind":"intent"}',
  '{"ts":12,"kind":"intent","symbol":null,"mode":5}',
  '{"kind":"f\\u0069ll","symbol":"BTC-USD"}',
  '{"kind":"fill","symbol":"BTC\\u002dUSD"}',
  '{"kind":"gate","payload":{"gate_name":"Lot\\"Size","passed":false,"code":"A"}}',
  '{"kind":"gate","payload":{"reason":"qty → 0.001 \\"rounded\\"","gate_name":"LotSize","passed":false}}',
  '{"kind":"gate","payload":{"gate_name":"Prüfung","passed":true,"code":"ÜBER"}}',
  '{"payload":{"code":"E1","side":"buy"},"kind":"error"}',
  '{"payload":{"code":"E1","side":"buy"},"kind":"intent"}',
  '{"kind":"intent","payload":{"code":"E1","side":"buy"}}',
  '{"kind":"gate","payload":{"gate":"A","gate_name":"B"}}',
  '{"kind":"gate","payload":{"gate_name":"B","gate":"A"}}',
  '{"kind":"gate","payload":{"gate_name":null,"gate":"A"}}',
  '{"kind":"fill","kind":"gate","payload":{"passed":true,"passed":"no"}}',
  '{"kind":"fill","payload":{},"payload":{"side":"sell"}}',
  '{"kind":1}',
  '{"kind":"fill","payload":[1,2,{"side":"x"}],"symbol":{"a":[]}}',
  '{"kind":"fill","payload":{"nested":{"fill_fee":3,"deeper":[[[[{"x":null}]]]]}}}',
  '{"kind":"fill","payload":{"fill_notional":01}}',
  '{"kind":"fill","payload":{"fill_notional":1.}}',
  '{"kind":"fill","payload":{"fill_notional":-}}',
  '{"kind":"fill","payload":{"fill_notional":+1}}',
  '{"kind":"fill",}',
  '{"kind":"fill"}}',
  '{"kind":"fill"',
  '{"kind":"fill"}\r',
  '\t{"kind":"fill"}',
  '{"kind":"fill"}  ',
  '{"kind":"fill"}\t',
  '{"kind":"fill","x":"a\tb"}',
  '{"kind":"fill","x":"a\u0001b"}',
  '{"kind":"fill","x":"\\ud800"}',
  '{"kind":"fill","x":"\\u12"}',
  '{"kind":"fill","x":"\\q"}',
  "{}",
  "[]",
  '{"":""}',
  "",
  "   ",
  "not json",
  '{"kind":"error","payload":{"code":"ADAPTER_FAILED"},"symbol":"' + "S".repeat(300) + '"}',
  '{"kind":"' + "k".repeat(250) + '"}',
];

Deno.test("the embedded WebAssembly was built from the kernel's source as it is now", async () => {
  const source = await Deno.readFile(
    new URL("../../../execution/wire/kernel/line_kernel.c", import.meta.url),
  );
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", source));
  const hex = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
  assert.equal(hex, LINE_KERNEL_SOURCE_SHA256, "run `deno task build-kernel`");
});

Deno.test("the kernel reads every line this product writes, with the JavaScript reader's fields", () => {
  const { valid, unsure } = assertAgrees(encoder.encode(realisticLines(3000)));
  assert.equal(unsure, 0, "no line of this product is left to JavaScript");
  assert.equal(valid, 3064);
});

Deno.test("the kernel is sure of an unusual line only when the JavaScript reader reads it the same", () => {
  const text = EDGE_LINES.map((l) => l + "\n").join("");
  const { valid, unsure } = assertAgrees(encoder.encode(text));
  assert.ok(valid > 20, `most edge lines are read by the kernel (${valid})`);
  assert.ok(unsure > 10, `the rest are left to JavaScript (${unsure})`);
});

Deno.test("the original's files get the JavaScript reader's fields from the kernel", async () => {
  for (const name of ["python_written.jsonl", "golden_16d_style.jsonl", "bad_lines.jsonl"]) {
    const bytes = await Deno.readFile(`${FIXTURES}${name}`);
    const end = bytes.lastIndexOf(0x0a) + 1;
    assertAgrees(bytes.subarray(0, end));
  }
});

Deno.test("mutated lines: the kernel never disagrees with the JavaScript reader (templates trained first)", async () => {
  const python = new TextDecoder().decode(await Deno.readFile(`${FIXTURES}python_written.jsonl`));
  const base = [
    ...realisticLines(300).split("\n"),
    ...python.split("\n"),
    ...EDGE_LINES,
  ].filter((l) => l !== "");
  const edits = [...'"\\{}[],: \t\r0123456789.eE-+ntfNIaz', "\u00e9", "\u2192", "\u0001", "\u007f"];
  for (const seed of [20261125, 7, 1234567]) {
    const rand = seededRandom(seed);
    const lines: string[] = [];
    for (let round = 0; round < 12; round++) {
      for (const line of base) {
        lines.push(line); // keeps the templates of the originals in use
        const chars = [...line];
        for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) {
          const at = Math.floor(rand() * chars.length);
          const op = rand();
          const edit = edits[Math.floor(rand() * edits.length)];
          if (op < 0.4) chars[at] = edit;
          else if (op < 0.7) chars.splice(at, 1);
          else if (op < 0.9) chars.splice(at, 0, edit);
          else chars.splice(at, 0, ...chars.slice(at, at + Math.floor(rand() * 20)));
        }
        lines.push(chars.join("").replaceAll("\n", ""));
      }
    }
    const bytes = encoder.encode(lines.join("\n") + "\n");
    const { valid, unsure } = assertAgrees(bytes);
    assert.ok(valid > base.length * 12, `the originals and many mutations are read (${valid})`);
    assert.ok(unsure > 500, `many mutations are left to JavaScript (${unsure})`);
  }
});

Deno.test("a line over the cap is recorded as oversized without being scanned", () => {
  const long = wireLine("s", { kind: "fill", payload: { blob: "x".repeat(2000) } });
  const bytes = encoder.encode(wireLine("s", { kind: "intent" }) + long);
  const kernel = lineKernel();
  const lease = kernel.lease(bytes.length)!;
  try {
    lease.bytes.set(bytes);
    kernel.prepare();
    assert.equal(kernel.scan(lease, 0, bytes.length, 1000), 2);
    assert.ok(kernel.ints[0] > 0, "the short line is read");
    assert.equal(kernel.ints[RECORD_INTS], VERDICT_OVERSIZED);
    assert.equal(kernel.nextLine(), bytes.length);
  } finally {
    lease.release();
  }
});

Deno.test("an unterminated tail is not recorded; the next line starts where it does", () => {
  const complete = wireLine("s", { kind: "intent" });
  const bytes = encoder.encode(complete + '{"kind":"fill"');
  const kernel = lineKernel();
  const lease = kernel.lease(bytes.length)!;
  try {
    lease.bytes.set(bytes);
    kernel.prepare();
    assert.equal(kernel.scan(lease, 0, bytes.length, MAX_LINE), 1);
    assert.equal(kernel.nextLine(), encoder.encode(complete).length);
  } finally {
    lease.release();
  }
});

Deno.test("many distinct strings: the tables are forgotten between scans and lines still agree", () => {
  let text = "";
  for (let i = 0; i < 12_000; i++) {
    text += wireLine("s", { kind: `k${i % 7}`, symbol: `SYM-${i}`, seq: i });
  }
  const bytes = encoder.encode(text);
  let valid = 0;
  // In parts, as readers scan: a table filling up is reset before a part.
  for (let start = 0; start < bytes.length;) {
    const end = bytes.lastIndexOf(0x0a, Math.min(bytes.length, start + 256 * 1024) - 1) + 1;
    valid += assertAgrees(bytes.subarray(start, end)).valid;
    start = end;
  }
  assert.ok(valid > 11_000, `most lines are read by the kernel (${valid})`);
});

Deno.test("findAll finds every occurrence of a needle, overlapping ones and those at the edges", () => {
  const rand = seededRandom(7);
  const kernel = lineKernel();
  const lease = kernel.lease(1 << 16)!;
  try {
    for (let round = 0; round < 200; round++) {
      const length = Math.floor(rand() * 3000);
      const hay = lease.bytes.subarray(0, length);
      for (let i = 0; i < length; i++) hay[i] = 97 + Math.floor(rand() * 3); // a, b, c
      const needle = new Uint8Array(1 + Math.floor(rand() * 6));
      for (let i = 0; i < needle.length; i++) needle[i] = 97 + Math.floor(rand() * 3);
      const from = Math.floor(rand() * Math.min(length, 40));
      const expected: number[] = [];
      for (let at = from; at + needle.length <= length; at++) {
        if (needle.every((b, i) => hay[at + i] === b)) expected.push(at);
      }
      const found: number[] = [];
      kernel.findAll(lease, from, length, needle, found);
      assert.deepEqual(found, expected, `needle ${needle} from ${from} in ${length} bytes`);
    }
  } finally {
    lease.release();
  }
});

Deno.test("findAll gives more positions than one call returns, in order", () => {
  const kernel = lineKernel();
  const lease = kernel.lease(1 << 20)!;
  try {
    const hay = lease.bytes.subarray(0, 20_000);
    hay.fill(0x78); // "x": every position matches "xx"
    const found: number[] = [];
    kernel.findAll(lease, 0, hay.length, encoder.encode("xx"), found);
    assert.equal(found.length, hay.length - 1);
    assert.ok(found.every((at, i) => at === i));
  } finally {
    lease.release();
  }
});

Deno.test("buffers are leased until released; then none is left, and a release gives one back", () => {
  const kernel = lineKernel();
  const leased: KernelBuffer[] = [];
  for (let lease = kernel.lease(1024); lease !== null; lease = kernel.lease(1024)) {
    leased.push(lease);
  }
  try {
    assert.ok(leased.length >= 2, "at least two buffers");
    assert.equal(kernel.lease(1024), null, "every buffer is out");
    leased.pop()!.release();
    const again = kernel.lease(1024);
    assert.ok(again !== null, "a released buffer is leased again");
    again.release();
    again.release(); // a second release changes nothing
    assert.ok(kernel.lease(64 * 1024 * 1024) === null, "a buffer larger than any is refused");
  } finally {
    for (const lease of leased) lease.release();
  }
});

Deno.test("scan and findAll refuse a range outside the buffer", () => {
  const kernel = lineKernel();
  const lease = kernel.lease(1024)!;
  try {
    assert.throws(() => kernel.scan(lease, 0, lease.bytes.length + 1, MAX_LINE), RangeError);
    assert.throws(() => kernel.findAll(lease, 5, 4, encoder.encode("x"), []), RangeError);
    assert.throws(() => kernel.findAll(lease, 0, 10, new Uint8Array(0), []), RangeError);
  } finally {
    lease.release();
  }
});
