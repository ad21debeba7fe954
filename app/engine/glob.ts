/**
 * Redis's glob-style matcher (stringmatchlen in util.c): `*`, `?`, `[abc]`,
 * `[^a]`, `[a-z]` and `\` escapes, optionally case-insensitive. Used by KEYS,
 * SCAN MATCH, PSUBSCRIBE, CONFIG GET and friends so they all agree.
 */
export function globMatch(pattern: string, subject: string, nocase = false): boolean {
  return matchFrom(pattern, 0, subject, 0, nocase, 0) === 1;
}

/** Returns 1 on match, 0 on no match, -1 when the whole match must be abandoned. */
function matchFrom(p: string, pi: number, s: string, si: number, nocase: boolean, nesting: number): number {
  // Protect against pathological patterns, as Redis does (nesting > 1000).
  if (nesting > 1000) return 0;
  const plen = p.length;
  const slen = s.length;
  const lower = (c: string) => (nocase ? c.toLowerCase() : c);
  while (pi < plen && si < slen) {
    const pc = p[pi]!;
    switch (pc) {
      case '*': {
        while (pi + 1 < plen && p[pi + 1] === '*') pi++;
        if (pi + 1 === plen) return 1; // trailing * matches the rest
        while (si < slen) {
          const r = matchFrom(p, pi + 1, s, si, nocase, nesting + 1);
          if (r === 1) return 1;
          if (r === -1) return -1;
          si++;
        }
        return -1; // no match for the rest: no point trying other splits
      }
      case '?':
        si++;
        break;
      case '[': {
        pi++;
        const not = p[pi] === '^';
        if (not) pi++;
        let matched = false;
        for (;;) {
          if (pi >= plen) {
            pi--; // malformed: treat '[' ... end as matching the tail, like Redis
            break;
          }
          const c = p[pi]!;
          if (c === '\\' && pi + 2 <= plen - 1) {
            pi++;
            if (p[pi] === s[si]) matched = true;
          } else if (c === ']') {
            break;
          } else if (pi + 2 < plen && p[pi + 1] === '-') {
            let start = p.charCodeAt(pi);
            let end = p.charCodeAt(pi + 2);
            let ch = s.charCodeAt(si);
            if (start > end) [start, end] = [end, start];
            if (nocase) {
              start = lower(String.fromCharCode(start)).charCodeAt(0);
              end = lower(String.fromCharCode(end)).charCodeAt(0);
              ch = lower(String.fromCharCode(ch)).charCodeAt(0);
            }
            pi += 2;
            if (ch >= start && ch <= end) matched = true;
          } else if (lower(c) === lower(s[si]!)) {
            matched = true;
          }
          pi++;
        }
        if (not) matched = !matched;
        if (!matched) return 0;
        si++;
        break;
      }
      case '\\':
        // An escaped char is compared literally.
        if (pi + 1 < plen) pi++;
        if (lower(p[pi]!) !== lower(s[si]!)) return 0;
        si++;
        break;
      default:
        if (lower(p[pi]!) !== lower(s[si]!)) return 0;
        si++;
        break;
    }
    pi++;
    if (si === slen) {
      while (pi < plen && p[pi] === '*') pi++;
      break;
    }
  }
  return pi === plen && si === slen ? 1 : 0;
}
