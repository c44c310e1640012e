/**
 * Counters of one node's NATS work, per exchange: what its publishers published and failed to,
 * and what its edges received, applied and refused. `/metrics` and `/health` read them.
 *
 * @module
 */

/** Counters of one published exchange. */
export interface PublishCounters {
  /** Messages JetStream acknowledged (books and trades). */
  published: number;
  /** Of those, acknowledged as duplicates (a retried `Nats-Msg-Id`). */
  duplicates: number;
  /** Publishes that failed or were refused (NATS down, in-flight bound, timeout). */
  failures: number;
  /** SNAPSHOTs published from the publisher's mirror (periodic, takeover, after a failure). */
  mirrorSnapshots: number;
  /** Records seen while this node was not allowed to publish (standby, fenced, NATS down). */
  withheld: number;
  /** Records that were not records (counted, skipped). */
  badRecords: number;
  /** Publishes awaiting their acknowledgement now. */
  inFlight: number;
}

/** A zeroed {@linkcode PublishCounters}. */
export function newPublishCounters(): PublishCounters {
  return {
    published: 0,
    duplicates: 0,
    failures: 0,
    mirrorSnapshots: 0,
    withheld: 0,
    badRecords: 0,
    inFlight: 0,
  };
}

/** Counters of one consumed exchange. */
export interface ConsumeCounters {
  /** Book messages received. */
  messages: number;
  /** Bytes of them. */
  bytes: number;
  /** Records written into the local ring. */
  written: number;
  /** Messages of an older epoch than the newest seen for the exchange (ignored). */
  oldEpoch: number;
  /** Messages that were not records, or not of this exchange (ignored). */
  badMessages: number;
  /** Seq gaps found. */
  gaps: number;
  /** Checksums that did not verify. */
  checksumFailures: number;
  /** Books re-read from their last snapshot. */
  rereads: number;
  /** Deltas of books waiting for their snapshot (ignored). */
  waiting: number;
  /** Trades received and passed on. */
  trades: number;
}

/** A zeroed {@linkcode ConsumeCounters}. */
export function newConsumeCounters(): ConsumeCounters {
  return {
    messages: 0,
    bytes: 0,
    written: 0,
    oldEpoch: 0,
    badMessages: 0,
    gaps: 0,
    checksumFailures: 0,
    rereads: 0,
    waiting: 0,
    trades: 0,
  };
}
