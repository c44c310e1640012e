// The delta ring: fixed-size slots in shared memory, one writer (this module), any number of
// readers on other threads with their own cursors. The writer never waits. Layout: see layout.ts.
//
// Write protocol for record `seq` into slot `seq & mask` (a seqlock on the slot's ringSeq):
//   1. atomic store ringSeq = seq + 1   (busy: not congruent to the slot index, so no reader
//                                         ever takes it for a complete record)
//   2. plain stores of the record
//   3. atomic store ringSeq = seq       (complete)
//   4. atomic store writeSeq = seq + 1  (published; the host then calls Atomics.notify)
// A reader expecting `r` loads ringSeq (must equal r), copies, and loads ringSeq again (must
// still equal r); anything else means it was lapped.

import {
  RECORD_SIZE,
  RECORD_VERSION,
  REC_RING_SEQ,
  REC_VERSION,
  RING_CAPACITY,
  RING_HEADER_SIZE,
  RING_MAGIC,
  RING_MAGIC_VALUE,
  RING_SLOTS_OFFSET,
  RING_SLOT_SIZE,
  RING_VERSION,
  RING_WRITE_SEQ,
} from "./layout";

@inline const RING_ALIGN: usize = 64;

let ringBase: usize = 0;
let ringSlots: usize = 0;
let ringMask: u32 = 0;

@inline function writeSeqPtr(): usize {
  return ringBase + RING_WRITE_SEQ;
}

/** Whether a ring has been set up in this instance. */
@inline export function ringReady(): bool {
  return ringBase != 0;
}

/** Allocates and initialises the ring; `capacity` must be a power of two. Returns its address. */
export function ringCreate(capacity: u32): usize {
  const bytes = <usize>RING_HEADER_SIZE + <usize>capacity * RECORD_SIZE;
  const raw = heap.alloc(bytes + RING_ALIGN);
  const base = (raw + RING_ALIGN - 1) & ~(RING_ALIGN - 1);
  memory.fill(base, 0, bytes);
  store<u32>(base + RING_MAGIC, RING_MAGIC_VALUE);
  store<u32>(base + RING_VERSION, RECORD_VERSION);
  store<u32>(base + RING_CAPACITY, capacity);
  store<u32>(base + RING_SLOT_SIZE, RECORD_SIZE);
  store<u32>(base + RING_SLOTS_OFFSET, RING_HEADER_SIZE);
  const slots = base + RING_HEADER_SIZE;
  // Every slot starts "busy" for the record a reader would first expect there.
  for (let i: u32 = 0; i < capacity; i++) {
    store<u32>(slots + <usize>i * RECORD_SIZE + REC_RING_SEQ, i + 1);
  }
  ringSlots = slots;
  ringMask = capacity - 1;
  atomic.store<u32>(base + RING_WRITE_SEQ, 0);
  ringBase = base;
  return base;
}

/** Address of the ring (0 when none). */
export function ringAddress(): usize {
  return ringBase;
}

/** Claims the next slot and marks it busy; returns the slot address. */
@inline export function ringClaim(): usize {
  const seq = load<u32>(writeSeqPtr());
  const slot = ringSlots + <usize>(seq & ringMask) * RECORD_SIZE;
  atomic.store<u32>(slot + REC_RING_SEQ, seq + 1);
  store<u8>(slot + REC_VERSION, RECORD_VERSION);
  return slot;
}

/** Completes the record in `slot` and publishes it to readers. */
@inline export function ringPublish(slot: usize): void {
  const seq = load<u32>(writeSeqPtr());
  atomic.store<u32>(slot + REC_RING_SEQ, seq);
  atomic.store<u32>(writeSeqPtr(), seq + 1);
}

// ── Host exports ──

/** Creates the ring (once per instance). `capacity` must be a power of two, at least 2. */
export function ring_create(capacity: u32): usize {
  if (ringBase != 0) return ringBase;
  return ringCreate(capacity);
}

/** Address of the ring (0 when none). */
export function ring_address(): usize {
  return ringBase;
}
