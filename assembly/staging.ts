// The input staging area: the host writes a batch of level changes here (drawn in layout.ts:
// two timestamps, then `count` changes of INPUT_CHANGE_SIZE bytes), then calls an export of
// book_ops.ts, which validates the whole batch before applying any of it.

import { Book } from "./book";
import {
  ERR_BAD_PRICE,
  ERR_BAD_SIDE,
  ERR_BAD_SIZE,
  ERR_TOO_MANY,
  IN_CHANGES,
  IN_EXCHANGE_TS,
  IN_PRICE,
  IN_RECEIVE_TS,
  IN_SIDE,
  IN_SIZE,
  INPUT_CHANGE_SIZE,
  SIDE_ASK,
} from "./layout";

@inline const INITIAL_INPUT: i32 = 4096;

let inputBase: usize = 0;
let inputCap: i32 = 0;

/** Ensures the input area holds `changes` changes; returns its address (may move). */
export function input_reserve(changes: i32): usize {
  if (changes > inputCap || inputBase == 0) {
    let next = inputCap < INITIAL_INPUT ? INITIAL_INPUT : inputCap;
    while (next < changes) next <<= 1;
    const next_base = heap.alloc(<usize>IN_CHANGES + <usize>next * INPUT_CHANGE_SIZE);
    // Keep what is already staged (timestamps and changes).
    if (inputBase != 0) {
      memory.copy(next_base, inputBase, <usize>IN_CHANGES + <usize>inputCap * INPUT_CHANGE_SIZE);
    }
    inputBase = next_base;
    inputCap = next;
  }
  return inputBase;
}

/** Capacity of the input area, in changes. */
export function input_capacity(): i32 {
  return inputCap;
}

/** Validates staged changes [first, first + count); returns 0 or the first error code. */
export function validateStaged(count: i32, first: i32 = 0): i32 {
  if (count < 0 || first < 0 || first + count > inputCap) return ERR_TOO_MANY;
  let p = inputBase + IN_CHANGES + <usize>first * INPUT_CHANGE_SIZE;
  for (let i = 0; i < count; i++, p += INPUT_CHANGE_SIZE) {
    if (load<u32>(p + IN_SIDE) > SIDE_ASK) return ERR_BAD_SIDE;
    if (load<i64>(p + IN_PRICE) <= 0) return ERR_BAD_PRICE;
    if (load<i64>(p + IN_SIZE) < 0) return ERR_BAD_SIZE;
  }
  return 0;
}

/** Applies staged, validated changes [first, first + count) to the book's sides. */
export function applyStaged(book: Book, count: i32, first: i32 = 0): void {
  let p = inputBase + IN_CHANGES + <usize>first * INPUT_CHANGE_SIZE;
  for (let i = 0; i < count; i++, p += INPUT_CHANGE_SIZE) {
    const price = load<i64>(p + IN_PRICE);
    const size = load<i64>(p + IN_SIZE);
    const side = load<u32>(p + IN_SIDE);
    // Branch-free side choice: the side is a coin flip in real streams.
    book.side(side).set(select<i64>(-price, price, side == SIDE_ASK), size);
  }
  if (book.maxLevels > 0) {
    book.bids.truncate(book.maxLevels);
    book.asks.truncate(book.maxLevels);
  }
}

/** The staged batch's exchange timestamp. */
@inline export function stagedExchangeTs(): i64 {
  return load<i64>(inputBase + IN_EXCHANGE_TS);
}

/** The staged batch's receive timestamp. */
@inline export function stagedReceiveTs(): i64 {
  return load<i64>(inputBase + IN_RECEIVE_TS);
}
