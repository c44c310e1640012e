/**
 * Read a fixture from `tests/fixtures/<exchange>/<message_name>.json` as raw text (the parsers
 * take wire text; fixture number spellings matter).
 *
 * @module
 */

/** Names of all fixtures of an exchange, without `.json`. */
export function fixtureNames(exchange: string): string[] {
  const dir = new URL(`../fixtures/${exchange}/`, import.meta.url);
  return [...Deno.readDirSync(dir)]
    .filter((e) => e.isFile && e.name.endsWith(".json"))
    .map((e) => e.name.slice(0, -5))
    .sort();
}

/** Raw text of one fixture. */
export function fixture(exchange: string, name: string): string {
  return Deno.readTextFileSync(new URL(`../fixtures/${exchange}/${name}.json`, import.meta.url));
}
