/**
 * Bitfinex pure parts: the checksum on vectors BF-1 and BF-2 (shared/docs/exchange-protocols.md
 * §6), the JavaScript number text against V8's own `Number#toString`, lossless number reading,
 * frame parsing, book rules and symbols.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import fc from "fast-check";
import { parseMantissa } from "../../src/core/decimal.ts";
import {
  bitfinexChecksum,
  bitfinexChecksumInput,
  type MantissaPair,
} from "../../src/exchanges/bitfinex/checksum.ts";
import { decimalFromJsonNumber, jsNumberText } from "../../src/exchanges/bitfinex/numbers.ts";
import { bookChanges, parseBitfinexFrame } from "../../src/exchanges/bitfinex/parse.ts";
import { bitfinexNativeSymbol, bitfinexSymbol } from "../../src/exchanges/bitfinex/symbols.ts";

/** BF-1: tMNABTC as its snapshot delivered it, top 25 interleaved (the spec's string). */
const BF1 =
  "0.00002505:684.8165873:0.00002531:-419.18518378:0.00002504:39797.03522925:0.00002532:-336.54054054:0.00002498:4463.13038654:0.00002546:-66.58783643:0.00002487:8374.61812459:0.00002547:-53260.53280876:0.00002485:778.01752184:0.00002548:-776.30546459:0.00002481:1555.97356572:0.00002551:-1553.65711583:0.0000248:2334.05256552:0.00002553:-3902.61114625:0.00002478:3112.07008735:0.00002561:-1122.77:0.00002475:3890.08760919:0.00002563:-3092.44181231:0.00002474:4668.10513103:0.00002564:-3873.63450231:0.00002465:8399.82297666:0.00002568:-1509.77:0.00002316:955.37046632:0.00002571:-4631.80380465:0.00002315:25.0766:0.00002574:-14504.33391886:0.00002:101:0.00002576:-533.77:0.00001866:321.54:0.00002584:-1625.77:0.00001662:1000:0.00002592:-1488.77:0.00001362:1000:0.00002599:-565.77:0.00001333:1000:0.00002615:-3275.77:0.0000121:25:0.00002631:-1634.77:0.00000841:100.097559:0.00002642:-22257.14286269:0.00000794:923:0.00002647:-839.77:0.00000761:25:0.00002673:-50:0.0000075:1461.87:0.00002689:-500:0.00000636:50:0.000027:-2902.26767818:0.00000558:25:0.00002702:-24.5789";

/** Splits the interleaved vector string back into mantissa levels at scale 8 / 8. */
function levelsOf(input: string): { bids: MantissaPair[]; asks: MantissaPair[] } {
  const t = input.split(":");
  const bids: MantissaPair[] = [];
  const asks: MantissaPair[] = [];
  for (let i = 0; i < t.length; i += 4) {
    bids.push([BigInt(parseMantissa(t[i], 8)), BigInt(parseMantissa(t[i + 1], 8))]);
    asks.push([BigInt(parseMantissa(t[i + 2], 8)), BigInt(parseMantissa(t[i + 3].slice(1), 8))]);
  }
  return { bids, asks };
}

Deno.test("bitfinex checksum: vector BF-1 (real tMNABTC book) gives -1742076780", () => {
  const { bids, asks } = levelsOf(BF1);
  equal(bitfinexChecksumInput(bids, asks, 8, 8), BF1);
  equal(bitfinexChecksum(bids, asks, 8, 8), -1742076780);
  // The same book at a larger scale (trailing zeros in the mantissas) gives the same text.
  const wide = (l: MantissaPair[]) =>
    l.map(([p, s]) => [BigInt(p) * 100n, BigInt(s) * 10n] as const);
  equal(bitfinexChecksum(wide(bids), wide(asks), 10, 9), -1742076780);
});

Deno.test("bitfinex checksum: vector BF-2 (values below 1e-6 in exponent form) gives -21018150", () => {
  const bids: MantissaPair[] = [[100n, 10n], [91n, 5n]];
  const asks: MantissaPair[] = [[110n, 3n]];
  equal(bitfinexChecksumInput(bids, asks, 8, 0), "0.000001:10:0.0000011:-3:9.1e-7:5");
  equal(bitfinexChecksum(bids, asks, 8, 0), -21018150);
});

Deno.test("bitfinex numbers: jsNumberText equals V8's Number#toString for random decimals", () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: -(10n ** 15n) + 1n, max: 10n ** 15n - 1n }),
      fc.integer({ min: 0, max: 20 }),
      (m, scale) => {
        const text = jsNumberText(m, scale);
        // The double nearest to m × 10^-scale; for ≤ 15 significant digits its shortest text is
        // exactly these digits, so V8 must agree.
        const v = Number(`${m}e-${scale}`);
        equal(text, String(v));
      },
    ),
    { numRuns: 5000 },
  );
});

Deno.test("bitfinex numbers: JSON number text to exact decimals, exponent forms included", () => {
  deepEqual(decimalFromJsonNumber("2e-8"), { negative: false, text: "0.00000002" });
  deepEqual(decimalFromJsonNumber("-1.1e-7"), { negative: true, text: "0.00000011" });
  deepEqual(decimalFromJsonNumber("1E+3"), { negative: false, text: "1000" });
  deepEqual(decimalFromJsonNumber("12.5e1"), { negative: false, text: "125" });
  deepEqual(decimalFromJsonNumber("0.5e1"), { negative: false, text: "5" });
  deepEqual(decimalFromJsonNumber("-0.027"), { negative: true, text: "0.027" });
  for (const bad of ["", "-", "01", "1.", ".5", "1e", "1e+", "+1", "1e999", "NaN", "1 ", "0x10"]) {
    equal(decimalFromJsonNumber(bad), undefined, bad);
  }
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e15, max: 1e15 }), (v) => {
      const d = decimalFromJsonNumber(String(v));
      if (d === undefined) return; // beyond 40 characters
      equal(Number((d.negative ? "-" : "") + d.text), v === 0 ? 0 : v);
    }),
    { numRuns: 3000 },
  );
});

Deno.test("bitfinex parse: channel frames, events and bad input", () => {
  const snap = parseBitfinexFrame("[17,[[60417,2,0.68807848],[60423,1,-0.68805459]],30]");
  ok(snap.kind === "channel" && snap.body.type === "rows");
  equal(snap.seq, 30);
  const cs = parseBitfinexFrame('[17,"cs",-1742076780,31]');
  ok(cs.kind === "channel" && cs.body.type === "cs" && cs.body.checksum === -1742076780);
  equal(cs.seq, 31);
  const te = parseBitfinexFrame('[18,"te",[401597395,1574694478808,0.005,7245.3],32]');
  ok(te.kind === "channel" && te.body.type === "te" && te.body.row[3] === "7245.3");
  const noSeq = parseBitfinexFrame("[17,[60417,0,1]]");
  ok(noSeq.kind === "channel" && noSeq.seq === undefined);
  const info = parseBitfinexFrame('{"event":"info","code":20051,"msg":"Stopping"}');
  ok(info.kind === "event" && info.event.event === "info" && info.event.code === 20051);
  for (
    const bad of ["[", "[]", '["x"]', "[1.5,[]]", '[17,"zz",3]', '[17,"cs","x",3]', "3", "null"]
  ) {
    equal(parseBitfinexFrame(bad).kind, "invalid", bad);
  }
  const cut = parseBitfinexFrame("[17,[60417,2,");
  ok(
    cut.kind === "invalid" && "chanId" in cut && cut.chanId === 17,
    "a cut frame names its channel",
  );
});

Deno.test("bitfinex book rules: count 0 deletes, the sign of amount is the side", () => {
  const c = bookChanges([["60417", "2", "0.68807848"], ["60423", "1", "-0.6880"], [
    "60400",
    "0",
    "1",
  ]]);
  ok(typeof c !== "string");
  deepEqual(c.bids, ["60417", "0.68807848", "60400", "0"]);
  deepEqual(c.asks, ["60423", "0.6880"]);
  for (
    const bad of [
      ["0", "1", "1"],
      ["-5", "1", "1"],
      ["5", "-1", "1"],
      ["5", "1", "0"],
      ["5", "1.5", "1"],
      ["5", "1"],
      ["5", "1", "null"],
    ]
  ) {
    equal(typeof bookChanges([bad]), "string", bad.join());
  }
});

Deno.test("bitfinex symbols both ways", () => {
  for (
    const [native, symbol] of [["tBTCUSD", "BTC/USD"], ["tTESTBTC:TESTUSD", "TESTBTC/TESTUSD"], [
      "tIOTETH",
      "IOT/ETH",
    ], ["tAVAX:USD", "AVAX/USD"]]
  ) {
    equal(bitfinexSymbol(native), symbol);
    equal(bitfinexNativeSymbol(symbol), native);
  }
  equal(bitfinexSymbol("fUSD"), undefined);
  equal(bitfinexSymbol("tBTC"), undefined);
});
