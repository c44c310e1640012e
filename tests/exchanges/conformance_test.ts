/**
 * Every registered venue through the conformance kit (`conformance/kit.ts`): a venue added to the
 * registry is tested here without another line.
 */
import { VENUES } from "../../src/exchanges/registry.ts";
import { conformanceSuite } from "./conformance/kit.ts";

for (const venue of VENUES) conformanceSuite(venue);
