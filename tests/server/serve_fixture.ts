/**
 * A broadcast server in its own process for tests that need process-level limits (a low
 * descriptor limit via `ulimit -n`) or the server's own memory: one local feed ("kraken", three
 * books) moved by a random market every 10 ms, the server on 127.0.0.1 port 0. The `server`
 * config section comes as JSON in the first argument. Prints `PORT <port> MAX <maxConnections>`
 * once listening; exits when stdin closes.
 *
 *   deno run -A tests/server/serve_fixture.ts '{"headerTimeoutMs":500}'
 *
 * @module
 */
import { parseConfig } from "../../src/config.ts";
import { createServer } from "../../src/server/mod.ts";
import { LocalFeed, RandomMarket } from "./local_feed.ts";

const feed = await LocalFeed.create({ symbols: ["BTC/USD", "ETH/USD", "XRP/USD"], depth: 8 });
const market = new RandomMarket(feed, 5);
for (let i = 0; i < 3; i++) market.reset(i, 20);
const timer = setInterval(() => market.run(5), 10);
const config = parseConfig({ server: { port: 0, ...JSON.parse(Deno.args[0] ?? "{}") } });
const server = await createServer({ config, feeds: [feed], tuning: { onError: () => {} } });
console.log(`PORT ${server.port} MAX ${server.maxConnections}`);
// Runs until the test closes our stdin.
for await (const _ of Deno.stdin.readable) { /* ignore input */ }
clearInterval(timer);
await server.close();
await feed.stop();
