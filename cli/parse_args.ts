/**
 * The command line's argument parser: long options (`--name value`,
 * `--name=value`), short aliases (`-h`, grouped switches such as `-hv`),
 * options given more than once, defaults, positionals and `--`. It replaces
 * `node:util`'s `parseArgs` with the part of its strict mode the commands
 * rely on, so that starting a command does not load Deno's Node.js
 * compatibility modules. Always strict: an unknown option, a string option
 * without its value, a switch given a value and a positional where none is
 * allowed each throw a {@linkcode ParseArgsError} whose one-line message
 * names the argument and says what to write instead.
 *
 * @module
 */

/** How one option is read. */
export interface OptionSpec {
  /** `"string"` takes a value; `"boolean"` is a switch that takes none. */
  type: "string" | "boolean";
  /** A one-character alias, given as `-x`. */
  short?: string;
  /** Collect every occurrence into an array (otherwise the last one wins). */
  multiple?: boolean;
  /** The value when the option is not given (an array when `multiple`). */
  default?: string | boolean | readonly string[] | readonly boolean[];
}

/** The options of a command, by long name (`"log-dir"` is `--log-dir`). */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The type of one occurrence of option `O`. */
type ScalarOf<O extends OptionSpec> = O extends { type: "string" } ? string
  : O extends { type: "boolean" } ? boolean
  : string | boolean;

/** The parsed value of option `O`: an array of its occurrences when `multiple`. */
export type OptionValue<O extends OptionSpec> = O extends { multiple: true } ? ScalarOf<O>[]
  : "multiple" extends keyof O ? O extends { multiple: false } ? ScalarOf<O>
    : ScalarOf<O> | ScalarOf<O>[]
  : ScalarOf<O>;

/** Parsed values by long name: present when given or defaulted, optional otherwise. */
export type ParsedValues<T extends OptionSpecs> =
  & { -readonly [K in keyof T as T[K] extends { default: unknown } ? K : never]: OptionValue<T[K]> }
  & {
    -readonly [K in keyof T as T[K] extends { default: unknown } ? never : K]?: OptionValue<
      T[K]
    >;
  };

/** What {@linkcode parseArgs} reads. */
export interface ParseArgsConfig<T extends OptionSpecs> {
  /** The arguments, without the program and command names. */
  args: readonly string[];
  /** The options the command takes. */
  options: T;
  /**
   * Whether arguments that are not options are allowed.
   * @default {false}
   */
  allowPositionals?: boolean;
}

/** What {@linkcode parseArgs} returns. */
export interface ParseArgsResult<T extends OptionSpecs> {
  /** Option values by long name (an object without prototype). */
  values: ParsedValues<T>;
  /** The other arguments, in order (those after `--` included). */
  positionals: string[];
}

/**
 * An argument the command cannot take; the message is one line that names it
 * and says what to write instead.
 *
 * @example
 * ```ts
 * import { parseArgs, ParseArgsError } from "./parse_args.ts";
 * try {
 *   parseArgs({ args: ["--colour"], options: { color: { type: "boolean" } } });
 * } catch (err) {
 *   console.log(err instanceof ParseArgsError, (err as Error).message); // true Unknown option '--colour'
 * }
 * ```
 */
export class ParseArgsError extends Error {
  /** `message`: one line naming the argument. */
  constructor(message: string) {
    super(message);
    this.name = "ParseArgsError";
  }
}

/** Whether `arg` would be read as an option: a dash and at least one more character. */
function looksLikeOption(arg: string): boolean {
  return arg.length > 1 && arg[0] === "-";
}

/** The option type a value is of, if any. */
function optionType(value: unknown): OptionSpec["type"] | undefined {
  if (typeof value === "string") return "string";
  return typeof value === "boolean" ? "boolean" : undefined;
}

/** The configuration's mistakes are the program's, not the user's: a `TypeError`. */
function checkSpecs(options: OptionSpecs): Map<string, string> {
  const byShort = new Map<string, string>();
  for (const [name, spec] of Object.entries(options)) {
    if (spec.type !== "string" && spec.type !== "boolean") {
      throw new TypeError(`option ${name}: type must be "string" or "boolean"`);
    }
    if (spec.short !== undefined) {
      if (spec.short.length !== 1 || spec.short === "-") {
        throw new TypeError(`option ${name}: short must be one character other than "-"`);
      }
      if (byShort.has(spec.short)) {
        throw new TypeError(`option ${name}: short -${spec.short} is taken by another option`);
      }
      byShort.set(spec.short, name);
    }
    if (spec.default !== undefined) {
      const items = Array.isArray(spec.default) ? spec.default : [spec.default];
      if (Array.isArray(spec.default) !== (spec.multiple === true)) {
        throw new TypeError(`option ${name}: default must be an array exactly when multiple`);
      }
      if (items.some((item) => optionType(item) !== spec.type)) {
        throw new TypeError(`option ${name}: default must be of type ${spec.type}`);
      }
    }
  }
  return byShort;
}

/**
 * Parse `args` against `options`. Arguments are read left to right:
 * `--name value` and `--name=value` for string options (a value that starts
 * with `-` only in the `=` form), `--name` for switches, `-x` for the option
 * whose `short` is `x` (switches may be grouped: `-xy`), `--` ends the
 * options (every later argument is a positional, another `--` included), and
 * a lone `-` is a positional. A repeated option keeps its last value unless
 * it is `multiple`. Throws {@linkcode ParseArgsError} at the first argument
 * it cannot take.
 *
 * @example
 * ```ts
 * import { parseArgs } from "./parse_args.ts";
 * const { values, positionals } = parseArgs({
 *   args: ["paper-1", "--kind", "fill", "--kind=order", "-h", "--limit=-1"],
 *   options: {
 *     kind: { type: "string", multiple: true },
 *     limit: { type: "string" },
 *     help: { type: "boolean", short: "h" },
 *   },
 *   allowPositionals: true,
 * });
 * console.log(values.kind, values.limit, values.help, positionals); // [ "fill", "order" ] -1 true [ "paper-1" ]
 * ```
 */
export function parseArgs<const T extends OptionSpecs>(
  config: ParseArgsConfig<T>,
): ParseArgsResult<T> {
  const { args, options, allowPositionals = false } = config;
  const byShort = checkSpecs(options);
  const values: Record<string, string | boolean | Array<string | boolean>> = Object.create(null);
  const positionals: string[] = [];

  const specOf = (name: string): OptionSpec | undefined =>
    Object.hasOwn(options, name) ? options[name] : undefined;
  const store = (name: string, value: string | boolean): void => {
    if (options[name].multiple) {
      const list = values[name];
      if (Array.isArray(list)) list.push(value);
      else values[name] = [value];
    } else {
      values[name] = value;
    }
  };
  const positional = (arg: string): void => {
    if (!allowPositionals) {
      throw new ParseArgsError(
        `Unexpected argument '${arg}': this command takes no arguments besides its options`,
      );
    }
    positionals.push(arg);
  };
  // What to write instead is in the command's --help, which the caller's report points to.
  const unknown = (shown: string): ParseArgsError =>
    new ParseArgsError(`Unknown option '${shown}'`);
  /** The value of string option `name` (given as `given`): the next argument. */
  const valueAfter = (i: number, given: string, name: string): string => {
    const next = args[i + 1];
    if (next === undefined) {
      throw new ParseArgsError(`Option '${given}' needs a value (${given} VALUE)`);
    }
    if (looksLikeOption(next)) {
      throw new ParseArgsError(
        `Option '${given}' needs a value but is followed by '${next}'; ` +
          `if that is its value, write --${name}=${next}`,
      );
    }
    return next;
  };

  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      for (const rest of args.slice(i + 1)) positional(rest);
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      const spec = specOf(name);
      if (spec === undefined) throw unknown(eq === -1 || name === "" ? arg : `--${name}`);
      if (spec.type === "boolean") {
        if (eq !== -1) {
          throw new ParseArgsError(
            `Option '--${name}' does not take an argument; give it alone (--${name})`,
          );
        }
        store(name, true);
      } else if (eq !== -1) {
        store(name, arg.slice(eq + 1));
      } else {
        store(name, valueAfter(i, arg, name));
        i++;
      }
      continue;
    }
    if (!looksLikeOption(arg)) {
      positional(arg);
      continue;
    }
    // Short options: `-x`, or switches grouped as `-xy`.
    const letters = [...arg.slice(1)];
    for (const letter of letters) {
      const name = byShort.get(letter);
      if (name === undefined) throw unknown(`-${letter}`);
      if (options[name].type === "boolean") {
        store(name, true);
      } else if (letters.length === 1) {
        store(name, valueAfter(i, arg, name));
        i++;
      } else {
        throw new ParseArgsError(
          `Option '-${letter}' takes a value: give it alone (-${letter} VALUE or --${name}=VALUE)`,
        );
      }
    }
  }

  for (const [name, { default: fallback }] of Object.entries(options)) {
    if (fallback === undefined || values[name] !== undefined) continue;
    values[name] = typeof fallback === "object" ? [...fallback] : fallback;
  }
  return { values: values as ParsedValues<T>, positionals };
}
