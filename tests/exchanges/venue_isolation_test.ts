/**
 * A venue is one folder: outside `src/exchanges/<venue>/`, only the registry names a venue. No
 * other source file imports a venue folder or spells a venue id in code (JSDoc examples, which
 * need a concrete venue to run, are comments and do not count). The one allowed cross-venue import
 * is a family variant importing its base (`binanceus/` is a variant of `binance/`).
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { EXCHANGES } from "../../src/exchanges/registry.ts";

const SRC = new URL("../../src/", import.meta.url);
const SCRIPTS = new URL("../../scripts/", import.meta.url);

/** Family variants: folder -> the base folder it may import. */
const FAMILY_BASES: Record<string, string> = { binanceus: "binance" };

function* sourceFiles(dir: URL, rel = ""): Generator<string> {
  for (const entry of [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name))) {
    const path = rel + entry.name;
    if (entry.isDirectory) yield* sourceFiles(new URL(entry.name + "/", dir), path + "/");
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

/** The file's code with comments blanked out (string contents kept, so ids in literals count). */
function stripComments(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === "/" && next === "/") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === "/" && next === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 2;
      out += " ";
    } else if (c === "/" && /[(,=:[!&|?{};]\s*$|^\s*$/.test(out.slice(-40))) {
      // A regex literal (a `/` where an expression starts): copied without reading quotes in it.
      const start = i++;
      let inClass = false;
      while (i < text.length && (inClass || text[i] !== "/")) {
        if (text[i] === "[") inClass = true;
        else if (text[i] === "]") inClass = false;
        i += text[i] === "\\" ? 2 : 1;
      }
      out += text.slice(start, ++i);
    } else if (c === '"' || c === "'" || c === "`") {
      const start = i++;
      while (i < text.length && text[i] !== c) i += text[i] === "\\" ? 2 : 1;
      out += text.slice(start, ++i);
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Venue folders a file imports, and venue ids it spells as string literals. */
function venueMentions(code: string): { imports: string[]; literals: string[] } {
  const ids = EXCHANGES.join("|");
  const imports = [...code.matchAll(new RegExp(`["'\`][^"'\`]*\\b(${ids})/[^"'\`]*["'\`]`, "g"))]
    .map((m) => m[1]);
  const literals = [...code.matchAll(new RegExp(`["'\`](${ids})["'\`]`, "g"))].map((m) => m[1]);
  return { imports, literals };
}

function violations(root: URL, prefix: string): string[] {
  const found: string[] = [];
  for (const path of sourceFiles(root)) {
    const full = prefix + path;
    if (full === "src/exchanges/registry.ts") continue;
    const folder = /^src\/exchanges\/([^/]+)\//.exec(full)?.[1];
    const own = folder && EXCHANGES.includes(folder as never) ? folder : undefined;
    const { imports, literals } = venueMentions(
      stripComments(Deno.readTextFileSync(new URL(path, root))),
    );
    for (const v of imports) {
      if (v !== own && FAMILY_BASES[own ?? ""] !== v) found.push(`${full} imports ${v}/`);
    }
    for (const v of literals) if (v !== own) found.push(`${full} names "${v}"`);
  }
  return found;
}

Deno.test("the comment stripper keeps literals and drops comments", () => {
  const code = stripComments(
    '// "kraken"\nconst a = "okx"; /* "bybit" */ const b = `x//y`; s.replace(/"/g, "");',
  );
  deepStrictEqual(venueMentions(code).literals, ["okx"]);
  ok(code.includes("`x//y`"));
  deepStrictEqual(venueMentions(`import { x } from "./kraken/parse.ts";`).imports, ["kraken"]);
});

Deno.test("outside its folder, a venue appears only in the registry", () => {
  deepStrictEqual([...violations(SRC, "src/"), ...violations(SCRIPTS, "scripts/")], []);
});
