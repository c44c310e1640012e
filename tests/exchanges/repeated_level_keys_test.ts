/**
 * Found by the fuzz of mutated real frames: a book update that repeats its level key (`b`/`a` on
 * Bybit, `bids`/`asks` on OKX) must be refused on both parse paths. The frame path (`levelText`,
 * the collectors' hot path) leaves level arrays in the frame and would skip the first one
 * unchecked, while the string path reads it: the same frame must never be refused on one path and
 * applied on the other.
 */
import { equal } from "node:assert/strict";
import { parseBybitMessage } from "../../src/exchanges/bybit/parse.ts";
import { parseOkxMessage } from "../../src/exchanges/okx/parse.ts";

const BYBIT = (a: string) =>
  `{"topic":"orderbook.200.BTCUSDT","type":"delta","ts":1786310823529,"data":{"s":"BTCUSDT",` +
  `"b":[["65114.20","7.813"]],${a},"u":15077003,"seq":753844052412},"cts":1786310823528}`;
const OKX = (asks: string) =>
  `{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{${asks},` +
  `"bids":[["60000.5","1.2","0","3"]],"ts":"1786310819000","prevSeqId":1,"seqId":2}]}`;

for (const levelText of [false, true]) {
  const path = levelText ? "frame path" : "string path";
  Deno.test(`bybit parse (${path}): a repeated a or b is invalid`, () => {
    const ok = parseBybitMessage(BYBIT('"a":[["65122.2","0.006"]]'), { levelText });
    equal(ok[0].kind, "book");
    for (
      const a of [
        '"a":[["65120.004"]],"a":[["65122.2","0.006"]]',
        '"a":[["65122.2","0.006"]],"a":[["65122.3","0.007"]]',
        '"b":[["65100.9","0.211"]],"a":[]',
      ]
    ) {
      const [m] = parseBybitMessage(BYBIT(a), { levelText });
      equal(m.kind, "invalid", a);
    }
  });
  Deno.test(`okx parse (${path}): a repeated asks or bids is invalid`, () => {
    equal(parseOkxMessage(OKX('"asks":[["60001.1","0","0","0"]]'), { levelText })[0].kind, "book");
    for (
      const asks of [
        '"asks":[["60001.1"]],"asks":[["60001.1","0","0","0"]]',
        '"asks":[],"bids":[["60000.4","1","0","1"]]',
      ]
    ) {
      equal(parseOkxMessage(OKX(asks), { levelText })[0].kind, "invalid", asks);
    }
  });
}
