/**
 * The line editor redis-cli uses at a terminal: a port of linenoise (Redis's
 * deps/linenoise) in multi-line mode, with its hints and Tab completion. It is a
 * port rather than Node's readline because redis-cli's screen output is the
 * contract: the same keys must produce the same bytes on the terminal (the
 * interop test compares them), and readline redraws differently.
 *
 * It works on bytes (latin1 strings), as linenoise does: a multi-byte UTF-8
 * character counts as several columns, exactly as in redis-cli.
 */
import type { History } from './history.js';

export interface ByteSource {
  /** The next input byte, or undefined at end of input. */
  nextByte(): Promise<number | undefined>;
}

export interface TerminalOutput {
  write(text: string): void;
  /** Bell, written to stderr by linenoise. */
  beep(): void;
  columns(): number;
  /** Called before the first bare "\n" of an edit: the terminal must not turn it into "\r\n". */
  disableOutputPostProcessing(): void;
}

export interface EditorCallbacks {
  hint?(buffer: string): string | undefined;
  complete?(buffer: string): string[];
}

const KEY = {
  CTRL_A: 1,
  CTRL_B: 2,
  CTRL_C: 3,
  CTRL_D: 4,
  CTRL_E: 5,
  CTRL_F: 6,
  CTRL_H: 8,
  TAB: 9,
  CTRL_K: 11,
  CTRL_L: 12,
  ENTER: 13,
  CTRL_N: 14,
  CTRL_P: 16,
  CTRL_T: 20,
  CTRL_U: 21,
  CTRL_W: 23,
  ESC: 27,
  BACKSPACE: 127,
} as const;

/** linenoise's LINENOISE_MAX_LINE minus the terminating NUL. */
const MAX_LINE = 4095;

interface EditState {
  buf: string;
  prompt: string;
  pos: number;
  oldpos: number;
  cols: number;
  maxrows: number;
  historyIndex: number;
  /** Output post-processing already turned off for this edit. */
  rawOutput: boolean;
}

export class LineEditor {
  private hintsEnabled = true;

  constructor(
    private readonly input: ByteSource,
    private readonly term: TerminalOutput,
    private readonly history: History,
    private readonly callbacks: EditorCallbacks,
  ) {}

  /**
   * Reads one line (linenoiseEdit). Returns the line, or null for Ctrl-C, for
   * Ctrl-D on an empty line and at the end of input.
   */
  async edit(prompt: string): Promise<string | null> {
    const l: EditState = {
      buf: '',
      prompt,
      pos: 0,
      oldpos: 0,
      cols: this.term.columns(),
      maxrows: 0,
      historyIndex: 0,
      rawOutput: false,
    };
    // The newest history entry is the line being edited.
    this.history.add('');
    this.term.write(prompt);
    for (;;) {
      let c = await this.input.nextByte();
      if (c === undefined) return null;
      if (c === KEY.TAB && this.callbacks.complete) {
        const next = await this.completeLine(l);
        if (next === undefined) return null;
        if (next === 0) continue;
        c = next;
      }
      switch (c) {
        case KEY.ENTER: {
          this.history.removeLast();
          this.moveEnd(l);
          // Redraw without the hint, leaving the line as typed.
          const hints = this.hintsEnabled;
          this.hintsEnabled = false;
          this.refresh(l);
          this.hintsEnabled = hints;
          return l.buf;
        }
        case KEY.CTRL_C:
          return null;
        case KEY.BACKSPACE:
        case KEY.CTRL_H:
          if (l.pos > 0 && l.buf.length > 0) {
            l.buf = l.buf.slice(0, l.pos - 1) + l.buf.slice(l.pos);
            l.pos--;
            this.refresh(l);
          }
          break;
        case KEY.CTRL_D:
          if (l.buf.length > 0) {
            this.deleteAtCursor(l);
          } else {
            this.history.removeLast();
            return null;
          }
          break;
        case KEY.CTRL_T:
          if (l.pos > 0 && l.pos < l.buf.length) {
            const b = l.buf;
            l.buf = b.slice(0, l.pos - 1) + b[l.pos] + b[l.pos - 1] + b.slice(l.pos + 1);
            if (l.pos !== l.buf.length - 1) l.pos++;
            this.refresh(l);
          }
          break;
        case KEY.CTRL_B:
          this.moveLeft(l);
          break;
        case KEY.CTRL_F:
          this.moveRight(l);
          break;
        case KEY.CTRL_P:
          this.historyStep(l, 1);
          break;
        case KEY.CTRL_N:
          this.historyStep(l, -1);
          break;
        case KEY.ESC:
          if (!(await this.escapeSequence(l))) return null;
          break;
        case KEY.CTRL_U:
          l.buf = '';
          l.pos = 0;
          this.refresh(l);
          break;
        case KEY.CTRL_K:
          l.buf = l.buf.slice(0, l.pos);
          this.refresh(l);
          break;
        case KEY.CTRL_A:
          this.moveHome(l);
          break;
        case KEY.CTRL_E:
          this.moveEnd(l);
          break;
        case KEY.CTRL_L:
          this.term.write('\x1b[H\x1b[2J');
          this.refresh(l);
          break;
        case KEY.CTRL_W:
          this.deletePreviousWord(l);
          break;
        default:
          this.insert(l, String.fromCharCode(c));
      }
    }
  }

  /** The terminal was resized: later redraws use the new width. */
  setColumnsChanged(): void {
    this.pendingColumnsCheck = true;
  }

  private pendingColumnsCheck = false;

  private async escapeSequence(l: EditState): Promise<boolean> {
    const first = await this.input.nextByte();
    const second = await this.input.nextByte();
    if (first === undefined || second === undefined) return false;
    const s0 = String.fromCharCode(first);
    const s1 = String.fromCharCode(second);
    if (s0 === '[') {
      if (s1 >= '0' && s1 <= '9') {
        const third = await this.input.nextByte();
        if (third === undefined) return false;
        if (third === 0x7e /* ~ */ && s1 === '3') this.deleteAtCursor(l);
      } else if (s1 === 'A') this.historyStep(l, 1);
      else if (s1 === 'B') this.historyStep(l, -1);
      else if (s1 === 'C') this.moveRight(l);
      else if (s1 === 'D') this.moveLeft(l);
      else if (s1 === 'H') this.moveHome(l);
      else if (s1 === 'F') this.moveEnd(l);
    } else if (s0 === 'O') {
      if (s1 === 'H') this.moveHome(l);
      else if (s1 === 'F') this.moveEnd(l);
    }
    return true;
  }

  /** completeLine: cycles through the candidates; returns the key that ended it (0: none, undefined: EOF). */
  private async completeLine(l: EditState): Promise<number | undefined> {
    const candidates = this.callbacks.complete!(l.buf);
    if (candidates.length === 0) {
      this.term.beep();
      return 0;
    }
    let index = 0;
    for (;;) {
      if (index < candidates.length) {
        const saved = { buf: l.buf, pos: l.pos };
        l.buf = candidates[index]!;
        l.pos = l.buf.length;
        this.refresh(l);
        l.buf = saved.buf;
        l.pos = saved.pos;
      } else {
        this.refresh(l);
      }
      const c = await this.input.nextByte();
      if (c === undefined) return undefined;
      if (c === KEY.TAB) {
        index = (index + 1) % (candidates.length + 1);
        if (index === candidates.length) this.term.beep();
      } else if (c === KEY.ESC) {
        if (index < candidates.length) this.refresh(l);
        return c;
      } else {
        if (index < candidates.length) {
          l.buf = candidates[index]!.slice(0, MAX_LINE);
          l.pos = l.buf.length;
        }
        return c;
      }
    }
  }

  private insert(l: EditState, c: string): void {
    if (l.buf.length >= MAX_LINE) return;
    l.buf = l.buf.slice(0, l.pos) + c + l.buf.slice(l.pos);
    l.pos++;
    this.refresh(l);
  }

  private deleteAtCursor(l: EditState): void {
    if (l.buf.length > 0 && l.pos < l.buf.length) {
      l.buf = l.buf.slice(0, l.pos) + l.buf.slice(l.pos + 1);
      this.refresh(l);
    }
  }

  private deletePreviousWord(l: EditState): void {
    const oldPos = l.pos;
    while (l.pos > 0 && l.buf[l.pos - 1] === ' ') l.pos--;
    while (l.pos > 0 && l.buf[l.pos - 1] !== ' ') l.pos--;
    l.buf = l.buf.slice(0, l.pos) + l.buf.slice(oldPos);
    this.refresh(l);
  }

  private moveLeft(l: EditState): void {
    if (l.pos > 0) {
      l.pos--;
      this.refresh(l);
    }
  }

  private moveRight(l: EditState): void {
    if (l.pos !== l.buf.length) {
      l.pos++;
      this.refresh(l);
    }
  }

  private moveHome(l: EditState): void {
    if (l.pos !== 0) {
      l.pos = 0;
      this.refresh(l);
    }
  }

  private moveEnd(l: EditState): void {
    if (l.pos !== l.buf.length) {
      l.pos = l.buf.length;
      this.refresh(l);
    }
  }

  /** linenoiseEditHistoryNext: +1 goes to older entries, -1 to newer ones. */
  private historyStep(l: EditState, direction: 1 | -1): void {
    const entries = this.history.entries;
    if (entries.length <= 1) return;
    entries[entries.length - 1 - l.historyIndex] = l.buf;
    l.historyIndex += direction;
    if (l.historyIndex < 0) {
      l.historyIndex = 0;
      return;
    }
    if (l.historyIndex >= entries.length) {
      l.historyIndex = entries.length - 1;
      return;
    }
    l.buf = entries[entries.length - 1 - l.historyIndex]!.slice(0, MAX_LINE - 1);
    l.pos = l.buf.length;
    this.refresh(l);
  }

  /** refreshMultiLine: redraws the prompt, the buffer and the hint over as many rows as they take. */
  private refresh(l: EditState): void {
    if (this.pendingColumnsCheck) {
      this.pendingColumnsCheck = false;
      l.cols = Math.max(1, this.term.columns());
    }
    const cols = l.cols;
    const plen = l.prompt.length;
    const len = l.buf.length;
    let rows = Math.floor((plen + len + cols - 1) / cols);
    const rpos = Math.floor((plen + l.oldpos + cols) / cols);
    const oldRows = l.maxrows;
    if (rows > l.maxrows) l.maxrows = rows;

    let out = '';
    // Clear every row used before, starting from the last one.
    if (oldRows - rpos > 0) out += `\x1b[${oldRows - rpos}B`;
    for (let j = 0; j < oldRows - 1; j++) out += '\r\x1b[0K\x1b[1A';
    out += '\r\x1b[0K';
    out += l.prompt + l.buf;
    out += this.hintText(l, plen);
    // At the very end of a full row the cursor must wrap to the next one by itself.
    let newline = false;
    if (l.pos && l.pos === len && (l.pos + plen) % cols === 0) {
      newline = true;
      rows++;
      if (rows > l.maxrows) l.maxrows = rows;
    }
    const rpos2 = Math.floor((plen + l.pos + cols) / cols);
    let tail = '';
    if (rows - rpos2 > 0) tail += `\x1b[${rows - rpos2}A`;
    const col = (plen + l.pos) % cols;
    tail += col ? `\r\x1b[${col}C` : '\r';
    l.oldpos = l.pos;
    if (newline) {
      if (!l.rawOutput) {
        this.term.disableOutputPostProcessing();
        l.rawOutput = true;
      }
      out += '\n\r';
    }
    this.term.write(out + tail);
  }

  private hintText(l: EditState, plen: number): string {
    if (!this.hintsEnabled || !this.callbacks.hint || plen + l.buf.length >= l.cols) return '';
    const hint = this.callbacks.hint(l.buf);
    if (hint === undefined) return '';
    const visible = hint.slice(0, l.cols - (plen + l.buf.length));
    return `\x1b[0;90;49m${visible}\x1b[0m`;
  }
}
