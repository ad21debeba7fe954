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

/** Positions + 1 of the last occurrence of each 3-byte hash (0 = none); reused between calls. */
const hashTable = new Int32Array(HSIZE);
/**
 * Which call last wrote each hashTable slot. A slot from an earlier call reads as
 * empty, the same as clearing the table (as liblzf's INIT_HTAB does) but without
 * clearing 256 KB for every string compressed.
 */
const slotGeneration = new Int32Array(HSIZE);
let generation = 0;

/** Records that the 3 bytes at `ip` hash to `slot` in this call. */
function remember(slot: number, ip: number): void {
  hashTable[slot] = ip + 1;
  slotGeneration[slot] = generation;
}

function idx(h: number): number {
  return ((h >>> (3 * 8 - HLOG)) - Math.imul(h, 5)) & (HSIZE - 1);
}

/**
 * lzf_compress(): the compressed bytes, or undefined when they would not fit in
 * `outLen` bytes (Redis asks for at most len - 4).
 */
export function lzfCompress(input: Uint8Array, outLen: number): Uint8Array | undefined {
  const inLen = input.length;
  if (inLen === 0 || outLen <= 0) return undefined;
  generation++;
  if (generation === 0x7fffffff) {
    slotGeneration.fill(0);
    generation = 1;
  }
  const out = new Uint8Array(outLen);
  let ip = 0;
  let op = 0;
  let lit = 0;
  op++; // start run
  let hval = (input[0]! << 8) | input[1]!;
  while (ip < inLen - 2) {
    hval = ((hval << 8) | input[ip + 2]!) >>> 0;
    const slot = idx(hval);
    const refPlusOne = slotGeneration[slot] === generation ? hashTable[slot]! : 0;
    remember(slot, ip);
    const ref = refPlusOne - 1;
    const off = ip - ref - 1;
    if (
      refPlusOne !== 0 &&
      ref < ip &&
      off < MAX_OFF &&
      ref > 0 &&
      input[ref + 2] === input[ip + 2] &&
      input[ref] === input[ip] &&
      input[ref + 1] === input[ip + 1]
    ) {
      let len = 2;
      let maxlen = inLen - ip - len;
      if (maxlen > MAX_REF) maxlen = MAX_REF;
      if (op + 3 + 1 >= outLen && op - (lit === 0 ? 1 : 0) + 3 + 1 >= outLen) return undefined;
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
      if (ip >= inLen - 2) break;
      // VERY_FAST: step back two and hash the last two positions of the match.
      ip -= 2;
      hval = (input[ip]! << 8) | input[ip + 1]!;
      hval = ((hval << 8) | input[ip + 2]!) >>> 0;
      remember(idx(hval), ip);
      ip++;
      hval = ((hval << 8) | input[ip + 2]!) >>> 0;
      remember(idx(hval), ip);
      ip++;
    } else {
      if (op >= outLen) return undefined;
      lit++;
      out[op++] = input[ip++]!;
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
  }
  if (op + 3 > outLen) return undefined;
  while (ip < inLen) {
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
  return out.subarray(0, op);
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
      out.set(input.subarray(ip, ip + ctrl), op);
      op += ctrl;
      ip += ctrl;
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
