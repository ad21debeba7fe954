/**
 * sdscatrepr(): a quoted, escaped representation of a byte string, as used by
 * MONITOR lines and by redis-cli to print bulk replies ("hello\x00\n").
 */
export function quoteRepr(bytes: string): string {
  let out = '"';
  for (let i = 0; i < bytes.length; i++) {
    const code = bytes.charCodeAt(i);
    switch (code) {
      case 0x5c:
        out += '\\\\';
        break;
      case 0x22:
        out += '\\"';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x07:
        out += '\\a';
        break;
      case 0x08:
        out += '\\b';
        break;
      default:
        // isprint() in the C locale: 0x20..0x7e.
        if (code >= 0x20 && code <= 0x7e) out += bytes[i];
        else out += '\\x' + code.toString(16).padStart(2, '0');
    }
  }
  return out + '"';
}
