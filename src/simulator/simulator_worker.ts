/// <reference lib="deno.worker" />
/**
 * Worker entry of {@linkcode ThreadedSimulator}: runs one {@linkcode Simulator} (usually one venue)
 * in its own thread.
 *
 * Messages in: `{ type: "start", options }` (serializable {@linkcode SimulatorOptions}),
 * `{ type: "rate", rate }`, `{ type: "disconnect", exchange }`, `{ type: "stats", id }`,
 * `{ type: "stop" }`. Messages out: `{ type: "ready", venues: [{ exchange, wsUrl, restUrl?,
 * symbols }] }`, `{ type: "stats", id, stats }`, `{ type: "stopped" }`, `{ type: "error", message }`.
 *
 * @module
 */
import type { ExchangeId } from "../exchanges/types.ts";
import { Simulator, type SimulatorOptions } from "./simulator.ts";

/** A message to the worker. */
export type SimulatorWorkerRequest =
  | { type: "start"; options: SimulatorOptions }
  | { type: "rate"; rate: number }
  | { type: "disconnect"; exchange: ExchangeId }
  | { type: "stats"; id: number }
  | { type: "stop" };

let sim: Simulator | undefined;

self.onmessage = async (event: MessageEvent<SimulatorWorkerRequest>) => {
  const msg = event.data;
  try {
    switch (msg.type) {
      case "start": {
        const started = new Simulator(msg.options);
        await started.start();
        sim = started;
        self.postMessage({
          type: "ready",
          venues: started.endpoints(),
        });
        break;
      }
      case "rate":
        sim?.setRate(msg.rate);
        break;
      case "disconnect":
        sim?.disconnect(msg.exchange);
        break;
      case "stats":
        self.postMessage({ type: "stats", id: msg.id, stats: sim?.stats });
        break;
      case "stop":
        await sim?.stop();
        self.postMessage({ type: "stopped" });
        break;
    }
  } catch (error) {
    self.postMessage({ type: "error", message: (error as Error).message });
  }
};
