// The layering of docs/architecture.md: data flows one way, so a module never imports from a
// folder downstream of it, and route modules never import each other (shared code lives in the
// toolkit or the library). Static imports are read from the source (JSDoc examples are skipped).
import assert from "node:assert/strict";
import { dirname, join, normalize } from "node:path";

const ROOT = new URL("../", import.meta.url).pathname;

/** Upstream first: a module may import from its own layer and the layers before it. */
const LAYERS: Readonly<Record<string, number>> = {
  execution: 0,
  live: 1,
  // Operations on a log root (retention): may use the library, never the HTTP or CLI layers.
  ops: 1.5,
  web: 2,
  routes: 3,
  islands: 3,
  components: 3,
  server: 4,
  cli: 5,
  "main.ts": 6,
};

/** Relative import specifiers of a module: `import`/`export … from` statements at line start. */
function relativeImports(source: string): string[] {
  const specifiers: string[] = [];
  for (const m of source.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*["'](\.[^"']+)["']/gm)) {
    specifiers.push(m[1]);
  }
  for (const m of source.matchAll(/^import\s*["'](\.[^"']+)["']/gm)) specifiers.push(m[1]);
  return specifiers;
}

async function* modules(dir: string): AsyncGenerator<string> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(join(ROOT, dir)));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return;
    throw err;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* modules(path);
    else if (/\.tsx?$/.test(entry.name)) yield path;
  }
}

/** Every import that breaks the layering, as `from -> to (why)`. */
async function violations(): Promise<string[]> {
  const found: string[] = [];
  for (const [top, rank] of Object.entries(LAYERS)) {
    const files = top.endsWith(".ts") ? [top] : await Array.fromAsync(modules(top));
    for (const file of files) {
      const source = await Deno.readTextFile(join(ROOT, file));
      for (const specifier of relativeImports(source)) {
        const target = normalize(join(dirname(file), specifier));
        const targetTop = target.split("/")[0];
        const targetRank = LAYERS[targetTop];
        if (targetRank === undefined || target === file) continue;
        if (targetRank > rank) found.push(`${file} -> ${target} (downstream)`);
        if (top === "routes" && targetTop === "routes") {
          found.push(`${file} -> ${target} (a route module imports another)`);
        }
      }
    }
  }
  return found;
}

Deno.test("no module imports from a folder downstream of it, and no route imports another", async () => {
  assert.deepEqual(await violations(), []);
});

Deno.test("the layering check sees a downstream import", () => {
  // Guards the check itself: the parser must find the specifiers it is meant to judge.
  const source = 'import type { A } from "../server/app.ts";\nexport { b } from "./b.ts";\n' +
    ' * import { c } from "./c.ts";\nimport "./side_effect.ts";\n';
  assert.deepEqual(relativeImports(source), ["../server/app.ts", "./b.ts", "./side_effect.ts"]);
});
