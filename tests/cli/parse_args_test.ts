import assert from "node:assert/strict";
import { parseArgs as nodeParseArgs, type ParseArgsOptionsConfig } from "node:util";
import { type OptionSpecs, parseArgs, ParseArgsError } from "../../cli/parse_args.ts";

const OPTIONS = {
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  verbose: { type: "boolean", short: "v" },
  limit: { type: "string" },
  kind: { type: "string", multiple: true },
  out: { type: "string", short: "o" },
} as const satisfies OptionSpecs;

function parse(args: string[], allowPositionals = false) {
  return parseArgs({ args, options: OPTIONS, allowPositionals });
}

/** The message of the ParseArgsError that parsing `args` throws. */
function failure(args: string[], allowPositionals = false): string {
  try {
    parse(args, allowPositionals);
  } catch (err) {
    assert.ok(err instanceof ParseArgsError, `${args.join(" ")}: ${err}`);
    assert.doesNotMatch(err.message, /\n/, "one line");
    return err.message;
  }
  assert.fail(`${args.join(" ")} was accepted`);
}

// Values

Deno.test("a string option takes the next argument as its value", () => {
  assert.equal(parse(["--limit", "10"]).values.limit, "10");
});

Deno.test("a string option takes its value after '=', even one that starts with '-' or is empty", () => {
  assert.equal(parse(["--limit=10"]).values.limit, "10");
  assert.equal(parse(["--limit=-1"]).values.limit, "-1");
  assert.equal(parse(["--limit="]).values.limit, "");
  assert.equal(parse(["--limit=a=b"]).values.limit, "a=b");
});

Deno.test("a lone '-' is a value, not an option", () => {
  assert.equal(parse(["--limit", "-"]).values.limit, "-");
});

Deno.test("a switch given is true; an option not given is absent from the values", () => {
  const { values } = parse(["--json"]);
  assert.equal(values.json, true);
  assert.equal("limit" in values, false);
});

Deno.test("a short alias sets its long option", () => {
  assert.equal(parse(["-h"]).values.help, true);
  assert.equal(parse(["-o", "file"]).values.out, "file");
});

Deno.test("short switches can be grouped", () => {
  const { values } = parse(["-hv"]);
  assert.equal(values.help, true);
  assert.equal(values.verbose, true);
});

Deno.test("a multiple option collects every occurrence in order, in both forms", () => {
  assert.deepEqual(parse(["--kind", "fill", "--kind=order", "--kind", "gate"]).values.kind, [
    "fill",
    "order",
    "gate",
  ]);
});

Deno.test("a repeated option that is not multiple keeps its last value", () => {
  assert.equal(parse(["--limit", "1", "--limit=2"]).values.limit, "2");
  assert.equal(parse(["--json", "--json"]).values.json, true);
});

Deno.test("a default stands in for an option not given, and only then", () => {
  const options = {
    limit: { type: "string", default: "50" },
    kind: { type: "string", multiple: true, default: ["fill"] },
  } as const;
  assert.deepEqual({ ...parseArgs({ args: [], options }).values }, { limit: "50", kind: ["fill"] });
  assert.deepEqual({ ...parseArgs({ args: ["--limit", "5", "--kind", "gate"], options }).values }, {
    limit: "5",
    kind: ["gate"],
  });
});

Deno.test("a default array is copied: a caller's change does not reach the next parse", () => {
  const options = { kind: { type: "string", multiple: true, default: ["fill"] } } as const;
  parseArgs({ args: [], options }).values.kind.push("changed");
  assert.deepEqual(parseArgs({ args: [], options }).values.kind, ["fill"]);
});

Deno.test("the values object has no prototype", () => {
  assert.equal(Object.getPrototypeOf(parse([]).values), null);
});

// Positionals and '--'

Deno.test("positionals are kept in order between options when allowed", () => {
  const { values, positionals } = parse(["a", "--json", "b", "--limit", "3", "c"], true);
  assert.deepEqual(positionals, ["a", "b", "c"]);
  assert.deepEqual({ ...values }, { json: true, limit: "3" });
});

Deno.test("'--' ends the options: what follows is positional, a later '--' included", () => {
  const { values, positionals } = parse(["--json", "--", "--limit", "-h", "--", "x"], true);
  assert.deepEqual({ ...values }, { json: true });
  assert.deepEqual(positionals, ["--limit", "-h", "--", "x"]);
});

Deno.test("a lone '-' is a positional", () => {
  assert.deepEqual(parse(["-"], true).positionals, ["-"]);
});

// Failures: each names the argument and says what to write

Deno.test("an unknown long option is refused by name", () => {
  assert.equal(failure(["--bogus"]), "Unknown option '--bogus'");
});

Deno.test("an unknown long option given a value is named without the value", () => {
  assert.equal(failure(["--bogus=1"]), "Unknown option '--bogus'");
});

Deno.test("where positionals are allowed, an unknown option is still refused, not taken as one", () => {
  assert.equal(failure(["--bogus"], true), "Unknown option '--bogus'");
});

Deno.test("an unknown short option is refused by name", () => {
  assert.equal(failure(["-x"]), "Unknown option '-x'");
});

Deno.test("a negative number where an option is expected is an unknown short option", () => {
  assert.equal(failure(["-1"]), "Unknown option '-1'");
});

Deno.test("an unknown letter in a group of short switches is refused by name", () => {
  assert.equal(failure(["-hx"]), "Unknown option '-x'");
});

Deno.test("names inherited from Object.prototype are not options", () => {
  for (const name of ["toString", "constructor", "__proto__", "hasOwnProperty"]) {
    assert.equal(failure([`--${name}`]), `Unknown option '--${name}'`);
  }
});

Deno.test("an option name is matched exactly, case included", () => {
  assert.equal(failure(["--JSON"]), "Unknown option '--JSON'");
});

Deno.test("'--=x' is refused whole (no option has an empty name)", () => {
  assert.equal(failure(["--=x"]), "Unknown option '--=x'");
});

Deno.test("a string option at the end, without its value, is refused", () => {
  assert.equal(failure(["--limit"]), "Option '--limit' needs a value (--limit VALUE)");
});

Deno.test("a string option followed by an argument that starts with '-' is refused", () => {
  assert.equal(
    failure(["--limit", "-1"]),
    "Option '--limit' needs a value but is followed by '-1'; if that is its value, write --limit=-1",
  );
  assert.match(failure(["--limit", "--json"]), /followed by '--json'; .* write --limit=--json$/);
});

Deno.test("a short string option without its value is refused, naming the long form too", () => {
  assert.equal(failure(["-o"]), "Option '-o' needs a value (-o VALUE)");
  assert.match(failure(["-o", "--json"]), /^Option '-o' needs a value .* write --out=--json$/);
});

Deno.test("a short string option inside a group is refused", () => {
  assert.equal(
    failure(["-ho"]),
    "Option '-o' takes a value: give it alone (-o VALUE or --out=VALUE)",
  );
});

Deno.test("a switch given a value is refused, an empty one too", () => {
  const message = "Option '--json' does not take an argument; give it alone (--json)";
  assert.equal(failure(["--json=yes"]), message);
  assert.equal(failure(["--json="]), message);
});

Deno.test("a positional is refused when none is allowed", () => {
  assert.equal(
    failure(["extra"]),
    "Unexpected argument 'extra': this command takes no arguments besides its options",
  );
});

Deno.test("an argument after '--' is refused when no positional is allowed", () => {
  assert.match(failure(["--", "--json"]), /^Unexpected argument '--json'/);
});

Deno.test("the first problem is the one reported", () => {
  assert.match(failure(["--bogus", "extra"]), /^Unknown option '--bogus'/);
  assert.match(failure(["extra", "--bogus"]), /^Unexpected argument 'extra'/);
});

// Mistakes in the options themselves are the program's: TypeError

Deno.test("a short alias must be one character other than '-'", () => {
  for (const short of ["", "ab", "-"]) {
    assert.throws(
      () => parseArgs({ args: [], options: { help: { type: "boolean", short } } }),
      TypeError,
    );
  }
});

Deno.test("two options cannot share a short alias", () => {
  assert.throws(
    () =>
      parseArgs({
        args: [],
        options: { help: { type: "boolean", short: "h" }, host: { type: "string", short: "h" } },
      }),
    /short -h is taken/,
  );
});

Deno.test("an option's type is string or boolean", () => {
  const options = { n: { type: "number" } } as unknown as OptionSpecs;
  assert.throws(() => parseArgs({ args: [], options }), TypeError);
});

Deno.test("a default has the option's type, and is an array exactly when multiple", () => {
  const bad: OptionSpecs[] = [
    { n: { type: "string", default: true } },
    { n: { type: "string", default: ["a"] } },
    { n: { type: "string", multiple: true, default: "a" } },
    { n: { type: "boolean", multiple: true, default: ["a"] } },
  ];
  for (const options of bad) {
    assert.throws(() => parseArgs({ args: [], options }), TypeError, JSON.stringify(options));
  }
});

// The same results as node:util's parseArgs (strict) where the commands rely on it

Deno.test("every argument list of up to three tokens parses as node:util's parseArgs does", () => {
  const tokens = [
    "--json",
    "--json=x",
    "--limit",
    "--limit=-1",
    "--limit=",
    "--kind",
    "--kind=a",
    "-h",
    "-hv",
    "-o",
    "-vx",
    "--",
    "-",
    "a",
    "-1",
    "--bogus",
    "--bogus=1",
    "--toString",
  ];
  const lists: string[][] = [[]];
  for (let length = 1; length <= 3; length++) {
    for (const list of lists.filter((l) => l.length === length - 1)) {
      for (const token of tokens) lists.push([...list, token]);
    }
  }
  let compared = 0;
  for (const args of lists) {
    for (const allowPositionals of [false, true]) {
      const ours = outcome(() => parse(args, allowPositionals));
      const theirs = outcome(() =>
        nodeParseArgs({
          args,
          options: OPTIONS as ParseArgsOptionsConfig,
          allowPositionals,
          strict: true,
        })
      );
      assert.deepEqual(
        ours,
        theirs,
        `${JSON.stringify(args)} allowPositionals=${allowPositionals}`,
      );
      compared++;
    }
  }
  assert.equal(compared, 2 * (1 + 18 + 18 ** 2 + 18 ** 3));
});

/** A parse's result, or "throws" (the messages differ on purpose). */
function outcome(run: () => { values: object; positionals: string[] }): unknown {
  try {
    const { values, positionals } = run();
    return { values: { ...values }, positionals };
  } catch {
    return "throws";
  }
}
