/** OKX v5 pure parsers: `books` (all three wire generations), `trades`, events, REST books. */
import { deepEqual, equal, ok } from "node:assert/strict";
import { parseOkxMessage, parseOkxRestBooks } from "../../src/exchanges/okx/parse.ts";
import { okxInstId, okxSymbol } from "../../src/exchanges/okx/symbols.ts";
import type { BookMessage, ParsedMessage } from "../../src/exchanges/types.ts";

function one(text: string): ParsedMessage {
  const out = parseOkxMessage(text);
  equal(out.length, 1, JSON.stringify(out));
  return out[0];
}

/** The real 2022 update of exchange-protocols.md §4.2 (verbatim from the capture). */
const LEGACY_UPDATE =
  '{"arg":{"channel":"books","instId":"UNI-USD-SWAP"},"action":"update","data":[{"asks":[["5.145","20","0","1"],["5.149","406","0","4"]],"bids":[["5.138","20","0","1"],["5.131","188","0","1"],["5.13","36","0","1"],["5.129","381","0","3"],["5.128","778","0","4"],["5.127","0","0","0"]],"ts":"1652459232552","checksum":-945294235}]}';

Deno.test("okx parse: legacy update keeps raw strings and the signed checksum", () => {
  const m = one(LEGACY_UPDATE) as BookMessage;
  equal(m.kind, "book");
  equal(m.symbol, "UNI-USD-SWAP");
  equal(m.snapshot, false);
  deepEqual(m.asks, ["5.145", "20", "5.149", "406"]);
  equal(m.bids.length, 12);
  equal(m.bids[4], "5.13");
  equal(m.checksum, -945294235);
  equal(m.exchangeTimeMs, 1652459232552);
  equal(m.seqId, undefined);
});

Deno.test("okx parse: transition and current updates carry seqId/prevSeqId", () => {
  const transition = one(
    '{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[["60001.1","0","0","0"]],"bids":[["60000.5","1.2","0","3"]],"ts":"1786310819000","checksum":0,"prevSeqId":123456780,"seqId":123456795}]}',
  ) as BookMessage;
  equal(transition.checksum, 0);
  equal(transition.prevSeqId, 123456780);
  equal(transition.seqId, 123456795);
  // Current: no action, no checksum; keys in another order (data before arg).
  const current = one(
    '{"data":[{"seqId":20,"prevSeqId":12,"ts":"1786310819001","bids":[],"asks":[["1.5","2","0","1"]]}],"arg":{"instId":"ETH-USDT","channel":"books"}}',
  ) as BookMessage;
  equal(current.kind, "book");
  equal(current.symbol, "ETH-USDT");
  equal(current.snapshot, false);
  equal(current.checksum, undefined);
  equal(current.seqId, 20);
  // In-band snapshot of the older wire: prevSeqId -1.
  const snap = one(
    '{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"snapshot","data":[{"asks":[["2","1","0","1"]],"bids":[["1","1","0","1"]],"ts":"1","checksum":0,"prevSeqId":-1,"seqId":7}]}',
  ) as BookMessage;
  equal(snap.snapshot, true);
  equal(snap.prevSeqId, -1);
});

Deno.test("okx parse: trades, pong, events", () => {
  const t = one(
    '{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"338476307","px":"30236","sz":"0.0002","side":"buy","ts":"1652459224818"}]}',
  );
  deepEqual(t, {
    kind: "trade",
    symbol: "BTC-USDT",
    price: "30236",
    size: "0.0002",
    side: "buy",
    timeMs: 1652459224818,
    tradeId: "338476307",
  });
  equal(one("pong").kind, "pong");
  const ack = one(
    '{"event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT"},"connId":"a"}',
  );
  equal(ack.kind, "subscribed");
  const err = one(
    '{"event":"error","code":"60018","msg":"Wrong URL or channel:books,instId:FOO-BAR doesn\'t exist"}',
  );
  equal(err.kind, "error");
  ok(err.kind === "error" && err.code === 60018 && err.symbol === "FOO-BAR");
  const notice = one(
    '{"event":"notice","code":"64008","msg":"The connection will soon be closed","connId":"x"}',
  );
  ok(notice.kind === "status" && notice.status === "reconnect");
  equal(one('{"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{}]}').kind, "unknown");
});

Deno.test("okx parse: malformed and absurd input is invalid, never thrown", () => {
  const bad = [
    "",
    "ping!",
    '{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[["-1","2"]],"bids":[]}]}',
    '{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[["1","x"]],"bids":[]}]}',
    '{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[],"bids":[],"checksum":99999999999}]}',
    '{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[],"bids":[],"seqId":5}]}',
    '{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[],"bids":[],"seqId":"5","prevSeqId":4}]}',
    '{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"weird","data":[{"asks":[],"bids":[]}]}',
    '{"arg":{"channel":"books"},"data":[{"asks":[],"bids":[]}]}',
    '{"arg":{"channel":"books","instId":"BTC-USDT"},"data":[]}',
    '{"arg":{"channel":"books","instId":"BTC-USDT"},"data":[{"asks":[],"bids":[]',
    '{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"px":"1","sz":"1","side":"up","ts":"1","tradeId":"1"}]}',
    "[1,2,3]",
  ];
  for (const text of bad) {
    const out = parseOkxMessage(text);
    ok(
      out.length >= 1 && out.every((m) => m.kind === "invalid"),
      `${text} -> ${JSON.stringify(out)}`,
    );
  }
});

Deno.test("okx parse: REST market/books body (seqId number or string), error codes", () => {
  const body =
    '{"code":"0","msg":"","data":[{"asks":[["60001.1","2","0","1"]],"bids":[["60000.5","1","0","1"],["60000","3","0","2"]],"ts":"1786310819000","seqId":"1009"}]}';
  const m = parseOkxRestBooks(body, "BTC-USDT");
  ok(m.kind === "book");
  equal(m.snapshot, true);
  equal(m.seqId, 1009);
  deepEqual(m.bids, ["60000.5", "1", "60000", "3"]);
  const err = parseOkxRestBooks(
    '{"code":"51001","msg":"Instrument ID does not exist","data":[]}',
    "X-Y",
  );
  ok(err.kind === "error" && err.message.startsWith("51001"));
  equal(
    parseOkxRestBooks('{"code":"0","msg":"","data":[{"asks":[],"bids":[],"ts":"1"}]}', "X").kind,
    "invalid",
  );
});

Deno.test("okx symbols: spot, swap, futures normalise to BASE/QUOTE both ways", () => {
  equal(okxInstId("BTC/USDT"), "BTC-USDT");
  equal(okxInstId("BTC/USDT", "SWAP"), "BTC-USDT-SWAP");
  equal(okxSymbol("BTC-USDT"), "BTC/USDT");
  equal(okxSymbol("BTC-USDT-SWAP"), "BTC/USDT");
  equal(okxSymbol("UNI-USD-SWAP"), "UNI/USD");
  equal(okxSymbol("BTC-USD-220527"), "BTC/USD");
  equal(okxSymbol("BTC-USD-220527-30000-C"), undefined);
  equal(okxSymbol("btc-usdt"), undefined);
});
