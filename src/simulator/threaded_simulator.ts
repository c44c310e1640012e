/**
 * The simulator spread over threads: one Worker per venue, each running a {@linkcode Simulator}
 * for that venue alone, so the venues generate and send in parallel and the caller's thread
 * stays free (the end-to-end benchmark runs its clients there). One thread with the batched
 * transport sends about 150,000 messages per second on a 2-core machine; threads help beyond
 * that when cores are free, and keep pacing steady while the caller is busy.
 *
 * The total rate is split over the venues by their number of books, so every book gets the same
 * share, as in the single-thread {@linkcode Simulator}. Faults count per venue exactly as there;
 * disconnects go round robin over the venues from here; each venue has its own bursts.
 *
 * @example
 * ```ts ignore
 * import { ThreadedSimulator } from "./threaded_simulator.ts";
 * const sim = await ThreadedSimulator.start({ rate: 150_000 });
 * const config = sim.config({ book: { depth: 20 } });
 * const stats = await sim.stats();
 * await sim.stop();
 * ```
 *
 * @module
 */
import type { ConfigInput } from "../config.ts";
import { EXCHANGES } from "../exchanges/registry.ts";
import type { ExchangeId } from "../exchanges/types.ts";
import {
  serviceConfig,
  type ServiceConfigOverrides,
  type VenueEndpoint,
} from "./service_config.ts";
import {
  DEFAULT_SYMBOLS,
  type SimulatorOptions,
  type SimulatorStats,
  type VenueCounts,
} from "./simulator.ts";
import type { SimulatorWorkerRequest } from "./simulator_worker.ts";

/** Options of {@linkcode ThreadedSimulator.start}: those of the {@linkcode Simulator} minus the clock. */
export type ThreadedSimulatorOptions = Omit<SimulatorOptions, "now">;

interface Thread {
  worker: Worker;
  venue: VenueEndpoint;
  books: number;
}

const ORDER: readonly ExchangeId[] = EXCHANGES;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

/** Several {@linkcode Simulator}s, one per venue, each in a Worker. See the module documentation. */
export class ThreadedSimulator {
  readonly #threads: Thread[];
  #rate: number;
  #disconnector: ReturnType<typeof setInterval> | undefined;
  #turn = 0;
  #nextId = 1;
  #stopped: Promise<void> | undefined;

  private constructor(threads: Thread[], rate: number, disconnectEverySec: number) {
    this.#threads = threads;
    this.#rate = rate;
    if (disconnectEverySec > 0) {
      this.#disconnector = setInterval(() => {
        const t = this.#threads[this.#turn++ % this.#threads.length];
        this.#post(t, { type: "disconnect", exchange: t.venue.exchange });
      }, disconnectEverySec * 1000);
    }
    this.setRate(rate);
  }

  /** Start one Worker per venue and wait until every venue listens. */
  static async start(options: ThreadedSimulatorOptions = {}): Promise<ThreadedSimulator> {
    const rate = options.rate ?? 0;
    if (!(rate >= 0) || !Number.isFinite(rate)) throw new RangeError(`Bad rate ${rate}`);
    const exchanges = options.exchanges ?? DEFAULT_SYMBOLS;
    const wanted = ORDER.filter((e) => (exchanges[e]?.length ?? 0) > 0);
    if (wanted.length === 0) throw new TypeError("The simulator needs at least one venue");
    const disconnectEverySec = options.faults?.disconnectEverySec ?? 0;
    const threads: Thread[] = [];
    try {
      for (const exchange of wanted) {
        const worker = new Worker(new URL("./simulator_worker.ts", import.meta.url), {
          type: "module",
        });
        const venueOptions: SimulatorOptions = {
          ...options,
          rate: 0,
          exchanges: { [exchange]: exchanges[exchange] },
          faults: { ...options.faults, disconnectEverySec: 0 },
        };
        const thread = { worker, books: exchanges[exchange]!.length } as Thread;
        threads.push(thread);
        const ready = await request(worker, { type: "start", options: venueOptions }, "ready");
        thread.venue = (ready.venues as VenueEndpoint[])[0];
      }
    } catch (error) {
      for (const t of threads) t.worker.terminate();
      throw error;
    }
    return new ThreadedSimulator(threads, rate, disconnectEverySec);
  }

  /** Venues served. */
  get exchanges(): ExchangeId[] {
    return this.#threads.map((t) => t.venue.exchange);
  }

  /** Normalised symbols of a venue. */
  symbols(exchange: ExchangeId): string[] {
    return [...this.#thread(exchange).venue.symbols];
  }

  /** WebSocket URL of a venue. */
  wsUrl(exchange: ExchangeId): string {
    return this.#thread(exchange).venue.wsUrl;
  }

  /** REST base URL of a venue that has one. */
  restUrl(exchange: ExchangeId): string | undefined {
    return this.#thread(exchange).venue.restUrl;
  }

  /** Where each venue listens and what it serves. */
  endpoints(): VenueEndpoint[] {
    return this.#threads.map((t) => ({ ...t.venue, symbols: [...t.venue.symbols] }));
  }

  /** The service configuration pointing at every venue (see {@linkcode serviceConfig}). */
  config(overrides: ServiceConfigOverrides = {}): ConfigInput {
    return serviceConfig(this.endpoints(), overrides);
  }

  /** The total rate (steps per second over every book). */
  get rate(): number {
    return this.#rate;
  }

  /** Change the total rate; each venue gets its books' share. */
  setRate(rate: number): void {
    if (!(rate >= 0) || !Number.isFinite(rate)) throw new RangeError(`Bad rate ${rate}`);
    this.#rate = rate;
    const books = this.#threads.reduce((n, t) => n + t.books, 0);
    for (const t of this.#threads) this.#post(t, { type: "rate", rate: (rate * t.books) / books });
  }

  /** Close every connection of one venue now. */
  disconnect(exchange: ExchangeId): void {
    this.#post(this.#thread(exchange), { type: "disconnect", exchange });
  }

  /** Counters of every venue, summed. */
  async stats(): Promise<SimulatorStats> {
    const all = await Promise.all(this.#threads.map(async (t) => {
      const id = this.#nextId++;
      const reply = await request(t.worker, { type: "stats", id }, "stats", (m) => m.id === id);
      return reply.stats as SimulatorStats;
    }));
    const sum = (pick: (s: SimulatorStats) => VenueCounts): VenueCounts => {
      const out: VenueCounts = Object.fromEntries(ORDER.map((id) => [id, 0]));
      for (const s of all) for (const e of ORDER) out[e] += pick(s)[e];
      return out;
    };
    return {
      at: all.reduce((n, s) => n + s.at, 0) / all.length,
      steps: all.reduce((n, s) => n + s.steps, 0),
      missedSteps: all.reduce((n, s) => n + s.missedSteps, 0),
      messagesSent: all.reduce((n, s) => n + s.messagesSent, 0),
      stepsByVenue: sum((s) => s.stepsByVenue),
      messagesByVenue: sum((s) => s.messagesByVenue),
      bursts: all.reduce((n, s) => n + s.bursts, 0),
      faults: {
        gaps: sum((s) => s.faults.gaps),
        badChecksums: sum((s) => s.faults.badChecksums),
        malformed: sum((s) => s.faults.malformed),
        disconnects: sum((s) => s.faults.disconnects),
      },
      venues: Object.assign({}, ...all.map((s) => s.venues)),
      threads: all,
    };
  }

  /** Stop every venue and terminate the Workers. Idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      clearInterval(this.#disconnector);
      await Promise.all(this.#threads.map(async (t) => {
        try {
          await request(t.worker, { type: "stop" }, "stopped", undefined, STOP_TIMEOUT_MS);
        } catch {
          // terminated below either way
        }
        t.worker.terminate();
      }));
    })();
    return this.#stopped;
  }

  /** `await using sim = ...` support. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  #thread(exchange: ExchangeId): Thread {
    const t = this.#threads.find((t) => t.venue.exchange === exchange);
    if (!t) throw new RangeError(`The simulator does not serve ${exchange}`);
    return t;
  }

  #post(t: Thread, msg: SimulatorWorkerRequest): void {
    if (this.#stopped) return;
    t.worker.postMessage(msg);
  }
}

// deno-lint-ignore no-explicit-any
type Reply = any;

/** Post `msg` and wait for the first reply of type `type` (or an error). */
function request(
  worker: Worker,
  msg: SimulatorWorkerRequest,
  type: string,
  match: (m: Reply) => boolean = () => true,
  timeoutMs = START_TIMEOUT_MS,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`simulator worker: no ${type} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (e: MessageEvent) => {
      if (e.data?.type === type && match(e.data)) {
        cleanup();
        resolve(e.data);
      } else if (e.data?.type === "error") {
        cleanup();
        reject(new Error(`simulator worker: ${e.data.message}`));
      }
    };
    const onError = (e: ErrorEvent) => {
      e.preventDefault();
      cleanup();
      reject(new Error(`simulator worker crashed: ${e.message}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      worker.removeEventListener("message", onMessage);
      worker.removeEventListener("error", onError);
    };
    worker.addEventListener("message", onMessage);
    worker.addEventListener("error", onError);
    worker.postMessage(msg);
  });
}
