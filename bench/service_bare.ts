/**
 * The floor of `bench/service.ts`: a bare Deno WebSocket receiver that only counts frames.
 * Prints `{"done":N}` once it has `count` frames, then idles until killed.
 *
 *   deno run -A bench/service_bare.ts <ws url> <count>
 *
 * @module
 */
const [url, countText] = Deno.args;
const count = Number(countText);
let frames = 0;
const ws = new WebSocket(url);
ws.onmessage = () => {
  if (++frames === count) console.log(JSON.stringify({ done: frames }));
};
ws.onerror = (e) => console.error(`bare receiver: ${(e as ErrorEvent).message}`);
setInterval(() => {}, 60_000);
