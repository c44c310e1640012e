/** The configuration contract (DESIGN §6): sources, defaults, PORT, and errors that name the field. */
import { equal, match, ok, throws } from "node:assert/strict";
import { ConfigError, DEFAULT_CONFIG, loadConfig, parseConfig } from "../src/config.ts";

Deno.test("config: the DESIGN example parses and keeps every key", () => {
  const c = parseConfig({
    server: { hostname: "127.0.0.1", port: 8080 },
    book: { depth: 50 },
    exchanges: {
      coinbase: { symbols: ["BTC/USD", "ETH/USD"], wsUrl: "wss://advanced-trade-ws.coinbase.com" },
      kraken: { symbols: ["BTC/USD"], wsUrl: "wss://ws.kraken.com/v2", depth: 100 },
      binanceus: {
        symbols: ["BTC/USDT"],
        wsUrl: "wss://stream.binance.us:9443",
        restUrl: "https://api.binance.us",
      },
    },
  });
  equal(c.exchanges.kraken!.depth, 100);
  equal(c.exchanges.binanceus!.restUrl, "https://api.binance.us");
  equal(c.server.hostname, "127.0.0.1");
  equal(c.runtime.mode, "workers");
});

Deno.test("config: a missing exchange is not started; defaults fill the rest", () => {
  const c = parseConfig({ exchanges: { kraken: { symbols: ["BTC/USD"] } } });
  equal(c.exchanges.coinbase, undefined);
  equal(c.exchanges.kraken!.wsUrl, "wss://ws.kraken.com/v2");
  equal(c.book.depth, 50);
});

Deno.test("config: errors name each bad field", () => {
  const e = throws(
    () =>
      parseConfig({
        book: { depth: 0 },
        exchanges: { kraken: { symbols: ["btc-usd"], depth: 7, wsUrl: "http://x" } },
      }),
    ConfigError,
  ) as unknown;
  void e;
  try {
    parseConfig({
      book: { depth: 0 },
      exchanges: { kraken: { symbols: ["btc-usd"], depth: 7, wsUrl: "http://x" } },
    });
  } catch (err) {
    const msg = (err as Error).message;
    match(msg, /book\.depth/);
    match(msg, /exchanges\.kraken\.symbols\.0: Symbols must be normalised/);
    match(msg, /exchanges\.kraken\.depth: Depth must be one of 10, 25, 100, 500, 1000/);
    match(msg, /exchanges\.kraken\.wsUrl: Must be a ws/);
  }
  throws(() => parseConfig({ exchanges: { nosuchvenue: {} } }), /Unrecognized key/);
});

Deno.test("config: --config file, ALPHAPULSE_CONFIG path or inline JSON, PORT override", () => {
  const files: Record<string, string> = {
    "/etc/a.json": '{"exchanges":{"kraken":{"symbols":["ETH/USD"]}}}',
  };
  const read = (p: string) => {
    if (!(p in files)) throw new Error("No such file");
    return files[p];
  };
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  equal(
    loadConfig({ args: ["--config", "/etc/a.json"], readTextFile: read }).exchanges.kraken!
      .symbols[0],
    "ETH/USD",
  );
  equal(
    loadConfig({ args: ["--config=/etc/a.json"], readTextFile: read }).exchanges.kraken!.symbols[0],
    "ETH/USD",
  );
  equal(
    loadConfig({ env: env({ ALPHAPULSE_CONFIG: "/etc/a.json" }), readTextFile: read }).exchanges
      .kraken!.symbols[0],
    "ETH/USD",
  );
  equal(
    loadConfig({
      env: env({ ALPHAPULSE_CONFIG: '{"exchanges":{"coinbase":{"symbols":["SOL/USD"]}}}' }),
    })
      .exchanges.coinbase!.symbols[0],
    "SOL/USD",
  );
  equal(loadConfig({ env: env({ PORT: "9123" }) }).server.port, 9123);
  const d = loadConfig({});
  equal(Object.keys(d.exchanges).length, Object.keys(DEFAULT_CONFIG.exchanges!).length);
  throws(() => loadConfig({ env: env({ PORT: "http" }) }), /Invalid PORT/);
  throws(
    () => loadConfig({ args: ["--config", "/missing.json"], readTextFile: read }),
    /Cannot read config file/,
  );
  throws(() => loadConfig({ env: env({ ALPHAPULSE_CONFIG: "{oops" }) }), /not JSON/);
  ok(true);
});

Deno.test("config: the nats section (DESIGN §12) has the contract's defaults and checks roles", () => {
  equal(parseConfig({}).nats, undefined, "without a nats section nothing changes");
  const n = parseConfig({ nats: {} }).nats!;
  equal(JSON.stringify(n.servers), '["nats://127.0.0.1:4222"]');
  ok(!n.publish && n.consume.length === 0);
  equal(n.subjectPrefix, "alphapulse");
  equal(n.stream, "ALPHAPULSE");
  equal(n.replicas, 1);
  equal(n.leaseMs, 3000);
  equal(n.snapshotEvery, 1000);
  equal(n.tradeMaxAgeMs, 3_600_000);
  const edge = parseConfig({
    exchanges: { kraken: { symbols: ["BTC/USD"] } },
    nats: { servers: ["nats://a:4222"], publish: true, consume: ["coinbase"], token: "secret" },
  });
  ok(edge.nats!.publish && edge.nats!.consume[0] === "coinbase");
  throws(
    () =>
      parseConfig({
        exchanges: { kraken: { symbols: ["BTC/USD"] } },
        nats: { consume: ["kraken"] },
      }),
    (e) => e instanceof ConfigError && /nats\.consume\.0: kraken is collected/.test(e.message),
  );
  throws(() => parseConfig({ nats: { consume: ["nope"] } }), /nats\.consume\.0/);
  throws(() => parseConfig({ nats: { subjectPrefix: "a.b" } }), /nats\.subjectPrefix/);
  throws(() => parseConfig({ nats: { user: "u" } }), /nats\.password/);
  throws(() => parseConfig({ nats: { servers: [] } }), /nats\.servers/);
});
