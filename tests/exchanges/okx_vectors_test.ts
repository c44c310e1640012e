/**
 * OKX legacy checksum vectors (exchange-protocols.md §6): OKX-1 (a real book, the server's value)
 * and OKX-2 (one side shorter), including the traps (unsigned comparison, padded prices, asks
 * first), computed from text and from a book held in the real WASM core (fixed-point, rendered
 * back by `topText`).
 */
import { equal, notEqual } from "node:assert/strict";
import { Core } from "../../src/core/mod.ts";
import {
  okxChecksumText,
  okxLegacyChecksum,
  type OkxTextLevel,
} from "../../src/exchanges/okx/checksum.ts";

/** OKX-1: UNI-USD-SWAP after the update at ts 1652459232552 (checksum field -945294235). */
const OKX1 =
  "5.138:20:5.145:20:5.136:25:5.146:25:5.135:5:5.147:20:5.133:5:5.148:5:5.132:305:5.149:406:5.131:188:5.15:6:5.13:36:5.151:20:5.129:381:5.152:41:5.128:778:5.153:295:5.126:16:5.154:1874:5.124:231:5.155:69:5.123:57:5.156:249:5.122:11851:5.157:1:5.121:1999:5.158:129:5.12:86:5.159:304:5.119:455:5.16:157:5.118:609:5.162:11915:5.116:64:5.163:2613:5.114:163:5.164:45:5.106:75:5.166:192:5.105:614:5.167:500:5.103:53:5.17:64:5.101:55:5.173:3375:5.1:137:5.176:163:5.099:3177:5.178:419";

function split(text: string): { bids: OkxTextLevel[]; asks: OkxTextLevel[] } {
  const t = text.split(":");
  const bids: OkxTextLevel[] = [];
  const asks: OkxTextLevel[] = [];
  for (let i = 0; i < t.length; i += 4) {
    bids.push([t[i], t[i + 1]]);
    asks.push([t[i + 2], t[i + 3]]);
  }
  return { bids, asks };
}

function pad(levels: OkxTextLevel[], decimals: number): OkxTextLevel[] {
  return levels.map(([p, s]) => {
    const [i, f = ""] = p.split(".");
    return [`${i}.${f.padEnd(decimals, "0")}`, s];
  });
}

Deno.test("OKX-1: the legacy checksum of a real book equals OKX's -945294235", () => {
  const { bids, asks } = split(OKX1);
  equal(bids.length, 25);
  equal(okxChecksumText(bids, asks), OKX1);
  equal(okxLegacyChecksum(bids, asks), -945294235);
  // The traps: unsigned reading, prices written to the tick size, asks first.
  notEqual(okxLegacyChecksum(bids, asks), 3349673061);
  equal(okxLegacyChecksum(pad(bids, 3), pad(asks, 3)), 1185715416);
  equal(okxLegacyChecksum(asks, bids), 1402605491);
});

Deno.test("OKX-2: one side shorter than the other", () => {
  const bids: OkxTextLevel[] = [["3366.1", "7"], ["3366", "6"]];
  const asks: OkxTextLevel[] = [["3366.8", "9"]];
  equal(okxChecksumText(bids, asks), "3366.1:7:3366.8:9:3366:6");
  equal(okxLegacyChecksum(bids, asks), 1164732920);
  equal(okxLegacyChecksum([bids[0], ["3366.0", "6"]], asks), -1741221312);
});

Deno.test("OKX-1 through the core: a fixed-point book renders OKX's strings back", async () => {
  const core = await Core.create({ ringCapacity: 1 << 10 });
  const { bids, asks } = split(OKX1);
  // Scale 3 for prices: 5.15 is held as 5150 and must come back as "5.15", not "5.150".
  const id = core.createBook({
    exchange: 6,
    symbol: 0,
    priceScale: 3,
    sizeScale: 2,
    depth: 25,
    maxLevels: 400,
  });
  // Extra levels beyond the top 25 must not take part.
  const flat = (l: OkxTextLevel[]) => l.flatMap(([p, s]) => [p, s]);
  core.begin(id).addLevels(0, [...flat(bids), "5.001", "7"]).addLevels(1, [
    ...flat(asks),
    "5.9",
    "1",
  ]);
  core.reset(0, 0);
  const top = { bids: core.topText(id, 0, 25), asks: core.topText(id, 1, 25) };
  equal(okxChecksumText(top.bids, top.asks), OKX1);
  equal(okxLegacyChecksum(top.bids, top.asks), -945294235);
});
