/**
 * The floor of `bench/service.ts`: a bare WebSocket receiver that only counts frames, with the
 * runtime's `WebSocket` (default) or, with `own` as third argument, our own
 * `src/util/websocket_client.ts`. Prints `{"done":N}` once it has `count` frames, then idles
 * until killed.
 *
 *   deno run -A bench/service_bare.ts <ws url> <count> [own]
 *
 * @module
 */
import { WebSocketClient } from "../src/util/websocket_client.ts";

const [url, countText, which] = Deno.args;
const count = Number(countText);
let frames = 0;
const onFrame = () => {
  if (++frames === count) console.log(JSON.stringify({ done: frames }));
};
if (which === "own") {
  const ws = new WebSocketClient(url);
  ws.onmessage = onFrame;
  ws.onclose = (code, _reason, error) => console.error(`bare receiver: closed ${code} ${error}`);
} else {
  const ws = new WebSocket(url);
  ws.onmessage = onFrame;
  ws.onerror = (e) => console.error(`bare receiver: ${(e as ErrorEvent).message}`);
}
setInterval(() => {}, 60_000);
