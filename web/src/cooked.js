// What the terminal does with keys while a command reads them (kubectl
// exec -it): the line discipline of a terminal in cooked mode, as a
// Unix tty with ICANON and ECHO does it. Keys are echoed as they are
// typed and collected into a line; Backspace, Ctrl-W and Ctrl-U edit it;
// Enter sends it with its newline; Ctrl-D sends what is typed without a
// newline, or, on an empty line, the end of the input. Ctrl-C is the
// page's (it interrupts the command). Cursor and function keys, which a
// cooked terminal would pass on as escape sequences, are dropped: the
// command reads lines, and nothing in the playground reads keys one by one.

import { graphemes } from './lineeditor.js';
import { wcwidth } from './wcwidth.js';

// The longest line kept; a tty's is 4096 bytes, past which it drops keys.
const MAX_LINE = 4095;

export class CookedInput {
  #g = []; // the line typed so far, as grapheme clusters

  /** The line typed so far, not yet sent. */
  get line() {
    return this.#g.join('');
  }

  /** Forget the line typed so far (Ctrl-C). */
  reset() {
    this.#g = [];
  }

  /**
   * Handle keys or pasted text.
   * @returns {{echo: string, send: Array<string|null>}} what to write to
   *   the terminal, and what to send to the command in order (null is the
   *   end of the input).
   */
  feed(data) {
    data = String(data ?? '');
    let echo = '';
    const send = [];
    let i = 0;
    while (i < data.length) {
      const c = data[i];
      if (c === '\x1b') {
        i = skipEscape(data, i);
        continue;
      }
      i++;
      switch (c) {
        case '\r':
        case '\n':
          if (c === '\r' && data[i] === '\n') i++;
          send.push(this.line + '\n');
          this.#g = [];
          echo += '\r\n';
          break;
        case '\x04': // Ctrl-D
          send.push(this.#g.length === 0 ? null : this.line);
          this.#g = [];
          break;
        case '\x7f':
        case '\b':
          echo += this.#erase(1);
          break;
        case '\x15': // Ctrl-U
          echo += this.#erase(this.#g.length);
          break;
        case '\x17': // Ctrl-W
          echo += this.#erase(this.#wordBack());
          break;
        case '\t':
          echo += this.#type(' ');
          break;
        default:
          if (c >= ' ') {
            let j = i;
            while (j < data.length && data[j] >= ' ' && data[j] !== '\x7f') j++;
            echo += this.#type(data.slice(i - 1, j).replace(/[\x80-\x9f]/g, ''));
            i = j;
          }
      }
    }
    return { echo, send };
  }

  #type(text) {
    const gs = graphemes(text).slice(0, Math.max(0, MAX_LINE - this.#g.length));
    this.#g.push(...gs);
    return gs.join('');
  }

  // Erase the last n graphemes: back over each column and blank it.
  #erase(n) {
    let out = '';
    for (; n > 0 && this.#g.length > 0; n--) {
      const w = width(this.#g.pop());
      out += '\b'.repeat(w) + ' '.repeat(w) + '\b'.repeat(w);
    }
    return out;
  }

  // How many graphemes Ctrl-W erases: the spaces before the cursor, then
  // the word before them.
  #wordBack() {
    let i = this.#g.length;
    while (i > 0 && /^\s/u.test(this.#g[i - 1])) i--;
    while (i > 0 && !/^\s/u.test(this.#g[i - 1])) i--;
    return this.#g.length - i;
  }
}

function width(g) {
  return Math.max(0, wcwidth(g.codePointAt(0)));
}

// skipEscape returns the index after the escape sequence at i: CSI
// (ESC [ params final), SS3 (ESC O x) or ESC and one character.
function skipEscape(data, i) {
  const n = data[i + 1];
  if (n === '[') {
    let j = i + 2;
    while (j < data.length && data.charCodeAt(j) >= 0x20 && data.charCodeAt(j) < 0x40) j++;
    return Math.min(j + 1, data.length);
  }
  if (n === 'O') return Math.min(i + 3, data.length);
  return Math.min(i + 2, data.length);
}
