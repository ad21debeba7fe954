/**
 * LZF as Redis bundles it (lzf_c.c with HLOG 16, VERY_FAST, lzf_d.c): strings
 * longer than 20 bytes are stored compressed in RDB files when that saves at
 * least 4 bytes. The hash table starts empty here (Redis leaves it uninitialised,
 * so its output is not fully deterministic either); any valid LZF stream decodes.
 */
const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 1 << 5;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

/** Mask of a hash slot (HSIZE - 1). */
const HMASK = HSIZE - 1;

/**
 * The last position each 3-byte hash was seen at, as `stamp + position + 1`;
 * reused between calls. Every call gets stamps above all the earlier calls'
 * values, so a slot from an earlier call reads as empty: the same as clearing the
 * table (as liblzf's INIT_HTAB does) without clearing 256 KB per string.
 */
const hashTable = new Int32Array(HSIZE);
let nextStamp = 0;

/**
 * lzf_compress() of input[inStart, inEnd) into out[outStart, outStart + outLen):
 * the compressed length, or 0 when it would not fit in outLen bytes (Redis asks
 * for at most len - 4). No allocation: the RDB writer compresses every string
 * longer than 20 bytes, so this runs once per value of a full sync.
 */
export function lzfCompressInto(
  input: Uint8Array,
  inStart: number,
  inEnd: number,
  out: Uint8Array,
  outStart: number,
  outLen: number,
): number {
  const inLen = inEnd - inStart;
  if (inLen <= 0 || outLen <= 0) return 0;
  if (nextStamp + inLen + 1 > 0x3fffffff) {
    hashTable.fill(0);
    nextStamp = 0;
  }
  // A slot holding v means position v - stampBase - 1; anything below inStart is from an earlier call.
  const stampBase = nextStamp - inStart;
  nextStamp += inLen + 1;
  const table = hashTable;
  const outEnd = outStart + outLen;
  const limit = inEnd - 2;
  let ip = inStart;
  let op = outStart;
  let lit = 0;
  op++; // start run
  let hval = (input[ip]! << 8) | input[ip + 1]!;
  while (ip < limit) {
    hval = (hval << 8) | input[ip + 2]!;
    let slot = ((hval >>> 8) - Math.imul(hval, 5)) & HMASK;
    const ref = table[slot]! - stampBase - 1;
    table[slot] = stampBase + ip + 1;
    const off = ip - ref - 1;
    if (
      ref > inStart &&
      ref < ip &&
      off < MAX_OFF &&
      input[ref + 2] === input[ip + 2] &&
      input[ref] === input[ip] &&
      input[ref + 1] === input[ip + 1]
    ) {
      let len = 2;
      let maxlen = inEnd - ip - len;
      if (maxlen > MAX_REF) maxlen = MAX_REF;
      if (op + 3 + 1 >= outEnd && op - (lit === 0 ? 1 : 0) + 3 + 1 >= outEnd) return 0;
      out[op - lit - 1] = lit - 1; // stop run
      op -= lit === 0 ? 1 : 0; // undo run if length is zero
      do len++;
      while (len < maxlen && input[ref + len] === input[ip + len]);
      len -= 2; // len is now #octets - 1
      ip++;
      if (len < 7) {
        out[op++] = (off >> 8) + (len << 5);
      } else {
        out[op++] = (off >> 8) + (7 << 5);
        out[op++] = len - 7;
      }
      out[op++] = off & 0xff;
      lit = 0;
      op++; // start run
      ip += len + 1;
      if (ip >= limit) break;
      // VERY_FAST: step back two and hash the last two positions of the match.
      ip -= 2;
      hval = (input[ip]! << 8) | input[ip + 1]!;
      hval = (hval << 8) | input[ip + 2]!;
      slot = ((hval >>> 8) - Math.imul(hval, 5)) & HMASK;
      table[slot] = stampBase + ip + 1;
      ip++;
      hval = (hval << 8) | input[ip + 2]!;
      slot = ((hval >>> 8) - Math.imul(hval, 5)) & HMASK;
      table[slot] = stampBase + ip + 1;
      ip++;
    } else {
      if (op >= outEnd) return 0;
      lit++;
      out[op++] = input[ip++]!;
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
  }
  if (op + 3 > outEnd) return 0;
  while (ip < inEnd) {
    lit++;
    out[op++] = input[ip++]!;
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = lit - 1;
  op -= lit === 0 ? 1 : 0;
  return op - outStart;
}

/**
 * lzf_compress(): the compressed bytes, or undefined when they would not fit in
 * `outLen` bytes (Redis asks for at most len - 4).
 */
export function lzfCompress(input: Uint8Array, outLen: number): Uint8Array | undefined {
  if (input.length === 0 || outLen <= 0) return undefined;
  const out = new Uint8Array(outLen);
  const n = lzfCompressInto(input, 0, input.length, out, 0, outLen);
  return n === 0 ? undefined : out.subarray(0, n);
}

/** lzf_decompress(): exactly `outLen` bytes, or undefined when the stream is invalid. */
export function lzfDecompress(input: Uint8Array, outLen: number): Uint8Array | undefined {
  const out = new Uint8Array(outLen);
  let ip = 0;
  let op = 0;
  const inLen = input.length;
  while (ip < inLen) {
    let ctrl = input[ip++]!;
    if (ctrl < 1 << 5) {
      ctrl++; // literal run
      if (op + ctrl > outLen) return undefined;
      if (ip + ctrl > inLen) return undefined;
      // At most 32 bytes: a loop beats creating a subarray for set().
      for (const runEnd = ip + ctrl; ip < runEnd;) out[op++] = input[ip++]!;
    } else {
      let len = ctrl >> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (ip >= inLen) return undefined;
      if (len === 7) {
        len += input[ip++]!;
        if (ip >= inLen) return undefined;
      }
      ref -= input[ip++]!;
      if (op + len + 2 > outLen) return undefined;
      if (ref < 0) return undefined;
      len += 2;
      // Byte by byte: a back reference may overlap the bytes it produces.
      while (len-- > 0) out[op++] = out[ref++]!;
    }
  }
  return op === outLen ? out : undefined;
}
