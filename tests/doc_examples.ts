/**
 * Finding the JSDoc examples of the library the way `deno test --doc` does,
 * and writing each as a module of its own, so that all of them can be
 * type-checked in one `deno check` and run in a few processes (each loads
 * the library once) instead of one worker per example.
 *
 * @module
 */

/** One fenced code block of a JSDoc comment. */
export interface DocExample {
  /** The documented module, relative to the repository root. */
  source: string;
  /** 1-based line of the opening fence in `source`. */
  line: number;
  /** File extension the block is type-checked and run as (`ts`, `tsx`, `js`, …). */
  extension: string;
  /** The code, without the comment's leading `*`. */
  code: string;
}

/** Languages `deno test --doc` runs, and the extension each is run as. */
const RUNNABLE_LANGUAGES: Record<string, string> = {
  ts: "ts",
  typescript: "ts",
  mts: "mts",
  cts: "cts",
  tsx: "tsx",
  js: "js",
  javascript: "js",
  mjs: "mjs",
  cjs: "cjs",
  jsx: "jsx",
};

const FENCE = /^(`{3,})\s*([\w-]*)(.*)$/;

/**
 * The runnable examples of one module's source text: every fenced block in
 * a `/** … *\/` comment whose language is runnable (a block without one takes
 * the module's own), unless its info string carries `ignore`.
 */
export function extractExamples(source: string, text: string): DocExample[] {
  const ownExtension = /\.(\w+)$/.exec(source)?.[1] ?? "ts";
  const examples: DocExample[] = [];
  for (const comment of text.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
    const firstLine = text.slice(0, comment.index).split("\n").length;
    const lines = comment[1].split("\n").map((l) => l.replace(/^\s*\*(?: |$)/, ""));
    let open: { fence: string; line: number; extension: string | null; code: string[] } | null =
      null;
    lines.forEach((line, i) => {
      if (open === null) {
        const fence = FENCE.exec(line.trim());
        if (fence === null) return;
        const [, ticks, language, info] = fence;
        const runnable = language === "" ? ownExtension : RUNNABLE_LANGUAGES[language];
        const ignored = /(^|\s)ignore(\s|$)/.test(info);
        open = {
          fence: ticks,
          line: firstLine + i,
          extension: runnable === undefined || ignored ? null : runnable,
          code: [],
        };
      } else if (line.trim().startsWith(open.fence) && line.trim().replaceAll("`", "") === "") {
        if (open.extension !== null) {
          examples.push({
            source,
            line: open.line,
            extension: open.extension,
            code: open.code.join("\n") + "\n",
          });
        }
        open = null;
      } else {
        open.code.push(line);
      }
    });
  }
  return examples;
}

/**
 * The example's code with relative module specifiers made absolute: the
 * module is written elsewhere, but its imports mean what they mean beside
 * the documented module.
 */
export function anchorSpecifiers(code: string, documented: URL): string {
  return code.replace(
    /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])(\.{1,2}\/[^"']*)\2/g,
    (_m, before: string, quote: string, specifier: string) =>
      `${before}${quote}${new URL(specifier, documented).href}${quote}`,
  );
}

/** The file name an example is written under: its module and line, readable in reports. */
export function exampleFileName(example: DocExample): string {
  return `${example.source.replaceAll("/", "__")}__L${example.line}.${example.extension}`;
}
