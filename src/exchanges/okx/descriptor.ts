/**
 * The OKX v5 venue, as the registry lists it.
 *
 * @example
 * ```ts
 * import { okx } from "./descriptor.ts";
 * if (okx.code !== 6 || okx.fromNative("BTC-USDT-SWAP") !== "BTC/USDT") throw new Error();
 * const s = okx.config.parse({ symbols: ["BTC/USDT"] });
 * if (s.wsUrl !== "wss://ws.okx.com:8443/ws/v5/public" || s.silenceTimeoutMs !== 30_000) {
 *   throw new Error();
 * }
 * ```
 *
 * @module
 */
import { z } from "zod";
import { connection, httpUrl, ms, rest, symbol, symbols, wsUrl } from "../settings.ts";
import { defineVenue } from "../venue.ts";
import { OkxCollector } from "./collector.ts";
import { OkxMock } from "./mock.ts";
import { okxInstId, okxSymbol } from "./symbols.ts";

/** OKX v5 public market data. */
export const okx = defineVenue({
  id: "okx",
  name: "OKX",
  code: 6,
  config: z.object({
    symbols,
    wsUrl: wsUrl.default("wss://ws.okx.com:8443/ws/v5/public"),
    restUrl: httpUrl.default("https://www.okx.com"),
    /** `SPOT`: `BTC/USDT` is `BTC-USDT`; `SWAP`: the perpetual `BTC-USDT-SWAP`. */
    instType: z.enum(["SPOT", "SWAP"]).default("SPOT"),
    /** Explicit instrument ids (dated futures), e.g. `{"BTC/USD": "BTC-USD-220527"}`. */
    instIds: z.record(
      symbol,
      z.string().regex(/^[A-Z0-9]+-[A-Z0-9]+(-[A-Z0-9]+)?$/, {
        message: "Must be an OKX instId such as BTC-USD-220527",
      }),
    ).default({}),
    /** Levels per side of the REST snapshot (`sz`); the `books` window is 400. */
    snapshotDepth: z.number().int().min(1).max(400).default(400),
    /** REST snapshot requests per `restWindowMs` (OKX's published limit is about 20 per 2 s). */
    restRequestsPerWindow: z.number().int().min(1).max(100).default(10),
    restWindowMs: ms(2000),
    /** Text `ping` after this long without a message (OKX cuts idle sockets at 30 s). */
    pingIntervalMs: ms(20_000).refine((v) => v < 30_000, "Must be below OKX's 30 s idle cut"),
    ...connection,
    ...rest,
    /** Silence this long (no pong after a ping) = dead connection. */
    silenceTimeoutMs: ms(30_000),
  }).strict().refine((s) => s.silenceTimeoutMs > s.pingIntervalMs, {
    message: "silenceTimeoutMs must exceed pingIntervalMs (it is the pong deadline)",
    path: ["silenceTimeoutMs"],
  }),
  defaultConfig: { symbols: ["BTC/USDT", "ETH/USDT"] },
  createCollector: (settings, context) => new OkxCollector(settings, context),
  toNative: (s) => okxInstId(s),
  fromNative: (native) => okxSymbol(native),
  inferSymbols(input, add) {
    if (input.k === "rest" && input.s) add(input.s);
    if (input.k !== "ws" || !input.d.includes('"books')) return;
    const native = /"instId"\s*:\s*"([^"]+)"/.exec(input.d)?.[1];
    const s = native ? okxSymbol(native) : undefined;
    if (s) add(s);
  },
  gapScope: "book",
  ingestRest: (collector, symbol, body) => collector.ingestRestSnapshot(symbol, body),
  mock: {
    create: (options) => new OkxMock(options),
    defaultSymbols: ["BTC/USDT", "ETH/USDT", "SOL/USDT"],
    checksumOptions: { mode: "legacy" },
    samples: {
      unknown: ['{"arg":{"channel":"candle1m","instId":"BTC-USDT"},"data":[]}'],
      absurdBook: (native) =>
        `{"arg":{"channel":"books","instId":"${native}"},"action":"update","data":[{` +
        `"asks":[],"bids":[["-1","abc","0","1"]],"ts":"1","checksum":0,` +
        `"prevSeqId":0,"seqId":1}]}`,
    },
    malformed: [
      '{"arg":{"channel":"trades","instId":',
      '{"event":"subscr',
    ],
    simulatorOptions: () => ({ restLimit: 1_000_000, idleCloseMs: 0 }),
    // Ping every second against the mock, so short silence timeouts (the kit's) stay valid.
    endpoint: (mock) => ({
      wsUrl: mock.wsUrl,
      restUrl: (mock as OkxMock).restUrl,
      settings: { pingIntervalMs: 1_000 },
    }),
  },
});
