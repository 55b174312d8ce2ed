// A small line editor for a terminal that has none (xterm.js only displays
// what it is given and reports the keys it receives).
//
// The editor knows nothing about xterm.js: it is fed the strings the
// terminal reports for key presses and pastes (xterm's onData) and returns the
// text to write back to the terminal (printable text and a few VT100 control
// sequences). It keeps the line, the cursor and the history, and tracks where
// the terminal's cursor is relative to the start of the prompt, so long lines
// that wrap and wide characters are redrawn correctly.
//
//   const ed = new LineEditor({ prompt: '$ ', columns: term.cols });
//   term.write(ed.prompt());
//   const { output, line, rest } = ed.feed(data);
//   term.write(output);
//   if (line !== null) { /* run line; feed `rest` after the next prompt() */ }
//
// Keys: printable text, Backspace, Delete, Left/Right, Home/End, Ctrl-A/E,
// Ctrl-B/F, Ctrl-Left/Right and Alt-B/F (word), Ctrl-U (clear line), Ctrl-K
// (kill to end), Ctrl-W and Alt-Backspace (delete word), Alt-D (delete word
// forward), Ctrl-D (delete), Ctrl-L (clear screen), Up/Down and Ctrl-P/N
// (history), Ctrl-C (cancel the line), Tab (completion, through oncomplete),
// Enter.

import { wcwidth as defaultWcwidth } from './wcwidth.js';

const segmenter =
  typeof Intl !== 'undefined' && typeof Intl.Segmenter === 'function'
    ? new Intl.Segmenter(undefined, { granularity: 'grapheme' })
    : null;

/** The longest prefix the words share. */
function commonPrefix(words) {
  let p = words[0] ?? '';
  for (const w of words) {
    while (!w.startsWith(p)) p = p.slice(0, -1);
  }
  return p;
}

/** Split text into user-perceived characters (grapheme clusters). */
export function graphemes(text) {
  if (!text) return [];
  return segmenter ? Array.from(segmenter.segment(text), (s) => s.segment) : Array.from(text);
}

const CONTROL_KEYS = {
  '\x01': 'home', // Ctrl-A
  '\x02': 'left', // Ctrl-B
  '\x03': 'cancel', // Ctrl-C
  '\x04': 'delete', // Ctrl-D
  '\x05': 'end', // Ctrl-E
  '\x06': 'right', // Ctrl-F
  '\x08': 'backspace', // Ctrl-H
  '\x0b': 'kill-to-end', // Ctrl-K
  '\x0c': 'clear-screen', // Ctrl-L
  '\x0e': 'down', // Ctrl-N
  '\x10': 'up', // Ctrl-P
  '\x15': 'kill-line', // Ctrl-U
  '\x17': 'kill-word-back', // Ctrl-W
  '\x7f': 'backspace',
};

const CURSOR_KEYS = { A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end' };
const TILDE_KEYS = { 1: 'home', 7: 'home', 4: 'end', 8: 'end', 3: 'delete' };

// Reads one key (or a run of printable text) from data at index i.
// Returns [token, next index]; token is {key} or {key: 'text', text}.
function readKey(data, i) {
  const c = data[i];
  if (c === '\x1b') {
    if (i + 1 >= data.length) return [{ key: 'escape' }, i + 1];
    const n = data[i + 1];
    if (n === '[') {
      // CSI: parameter bytes 0x30-0x3F, intermediate bytes 0x20-0x2F, final byte 0x40-0x7E.
      let j = i + 2;
      while (j < data.length && data.charCodeAt(j) >= 0x30 && data.charCodeAt(j) <= 0x3f) j++;
      const params = data.slice(i + 2, j);
      while (j < data.length && data.charCodeAt(j) >= 0x20 && data.charCodeAt(j) <= 0x2f) j++;
      if (j >= data.length) return [{ key: 'unknown' }, j];
      const final = data[j];
      if (data.charCodeAt(j) < 0x40 || data.charCodeAt(j) > 0x7e) return [{ key: 'unknown' }, j];
      const [p1, mod] = params.split(';');
      let key = 'unknown';
      if (final === '~') {
        key = TILDE_KEYS[p1] || 'unknown';
        if (key === 'delete' && (mod === '5' || mod === '3')) key = 'kill-word-forward';
      } else if (CURSOR_KEYS[final] && !/[<=>?]/.test(params)) {
        key = CURSOR_KEYS[final];
        // Ctrl (5) or Alt (3) with Left/Right moves by word.
        if ((mod === '5' || mod === '3') && (key === 'left' || key === 'right')) key = `word-${key}`;
      }
      return [{ key }, j + 1];
    }
    if (n === 'O') {
      if (i + 2 >= data.length) return [{ key: 'unknown' }, i + 2];
      return [{ key: CURSOR_KEYS[data[i + 2]] || 'unknown' }, i + 3];
    }
    if (n === '\x7f' || n === '\x08') return [{ key: 'kill-word-back' }, i + 2];
    if (n === 'b' || n === 'B') return [{ key: 'word-left' }, i + 2];
    if (n === 'f' || n === 'F') return [{ key: 'word-right' }, i + 2];
    if (n === 'd' || n === 'D') return [{ key: 'kill-word-forward' }, i + 2];
    if (n === '\x1b') return [{ key: 'escape' }, i + 1];
    // Alt + something else: skip the whole code point.
    const cp = data.codePointAt(i + 1);
    return [{ key: 'unknown' }, i + 1 + (cp > 0xffff ? 2 : 1)];
  }
  if (c === '\r') return [{ key: 'enter' }, data[i + 1] === '\n' ? i + 2 : i + 1];
  if (c === '\n') return [{ key: 'enter' }, i + 1];
  if (c === '\t') return [{ key: 'tab' }, i + 1];
  const code = data.charCodeAt(i);
  if (code < 0x20 || code === 0x7f) return [{ key: CONTROL_KEYS[c] || 'unknown' }, i + 1];
  // A run of printable text; C1 controls (0x80-0x9F) are dropped.
  let j = i;
  while (j < data.length) {
    const k = data.charCodeAt(j);
    if (k < 0x20 || k === 0x7f) break;
    j++;
  }
  return [{ key: 'text', text: data.slice(i, j).replace(/[\x80-\x9f]/g, '') }, j];
}

const isWordChar = (g) => /^[\p{L}\p{N}_]/u.test(g);
const isSpace = (g) => /^\s/u.test(g);

const CSI = '\x1b[';
const up = (n) => (n > 0 ? `${CSI}${n}A` : '');
const down = (n) => (n > 0 ? `${CSI}${n}B` : '');
const right = (n) => (n > 0 ? `${CSI}${n}C` : '');

export class LineEditor {
  // configuration
  #prompt;
  #promptStyled;
  #cols;
  #historySize;
  #wcwidth;

  // the line: grapheme clusters and the cursor (an index into them)
  #g = [];
  #cur = 0;

  // history: #histIndex === #history.length while editing a new line
  #history = [];
  #histIndex = 0;
  #histDraft = null;

  // display
  #active = false; // a prompt is shown and the editor owns the cursor
  #row = 0; // terminal cursor row, relative to the prompt's first row
  #dirty = 'none'; // none | cursor | append | full
  #appended = '';
  #stash = null; // the user's unfinished line, put aside by submit()

  /**
   * @param {object} [options]
   * @param {string} [options.prompt] the prompt text ('$ ')
   * @param {string} [options.promptStyle] SGR parameters for the prompt ('1;32' = bold green)
   * @param {number} [options.columns] terminal width
   * @param {number} [options.historySize] entries kept (1000)
   * @param {(cp: number) => number} [options.wcwidth] column width of a code point
   */
  constructor({ prompt = '$ ', promptStyle = '1;32', columns = 80, historySize = 1000, wcwidth = defaultWcwidth } = {}) {
    this.#prompt = prompt;
    this.#promptStyled = promptStyle ? `${CSI}0;${promptStyle}m${prompt}${CSI}0m` : `${CSI}0m${prompt}`;
    this.#cols = Math.max(1, columns | 0);
    this.#historySize = historySize;
    this.#wcwidth = wcwidth;
  }

  /** The text of the line being edited. */
  get line() {
    return this.#g.join('');
  }

  /** The cursor, in characters (grapheme clusters) from the start of the line. */
  get cursor() {
    return this.#cur;
  }

  /** Whether a prompt is shown and input is being edited. */
  get active() {
    return this.#active;
  }

  /** A copy of the history, oldest first. */
  get history() {
    return this.#history.slice();
  }

  get columns() {
    return this.#cols;
  }

  /**
   * Tell the editor the terminal's new width. Returns the text that redraws
   * the line for it ('' when no prompt is shown).
   */
  setColumns(columns) {
    const cols = Math.max(1, columns | 0);
    if (cols === this.#cols) return '';
    this.#cols = cols;
    if (!this.#active) return '';
    // xterm.js does not reflow the (wrapped) line holding the cursor, so the
    // rows we drew are still where they were: clear them and draw again.
    this.#dirty = 'full';
    return this.#flush();
  }

  /**
   * Change the prompt shown from the next prompt() on, e.g. to '> ' while a
   * multi-line command (a here-document, an open quote) continues.
   */
  setPrompt(prompt, promptStyle = '1;32') {
    this.#prompt = prompt;
    this.#promptStyled = promptStyle ? `${CSI}0;${promptStyle}m${prompt}${CSI}0m` : `${CSI}0m${prompt}`;
  }

  /** Called when Ctrl-C cancels the line being edited, before the new prompt. */
  oncancel = null;

  /**
   * Tab completion, set by the page: (line, cursor) => Promise of {start,
   * words}, where cursor and start are UTF-16 indexes into the line and the
   * words may replace line.slice(start, cursor). The answer comes later
   * than the key, so what the editor then draws goes to onoutput(text).
   */
  oncomplete = null;

  /** Receives what the editor draws outside feed() (completions). */
  onoutput = null;

  #tabs = 0; // Tab presses in a row: the second one lists the choices

  #askCompletion() {
    if (typeof this.oncomplete !== 'function') return;
    const line = this.line;
    const cur = this.#cur;
    const before = this.#g.slice(0, cur).join('');
    const list = ++this.#tabs > 1;
    Promise.resolve()
      .then(() => this.oncomplete(line, before.length))
      .then(
        (c) => {
          // Too late if the line changed meanwhile.
          if (!c || !this.#active || this.line !== line || this.#cur !== cur) return;
          const out = this.complete(c, list);
          if (out && typeof this.onoutput === 'function') this.onoutput(out);
        },
        () => {},
      );
  }

  /**
   * Apply a completion {start, words} to the word before the cursor, as
   * bash does: one word is put in whole (with a space after it unless it
   * is a directory, ending in "/"); several put in what they share; when
   * they share nothing more and list is true, they are listed under the
   * line. Returns the output to write.
   */
  complete({ start, words }, list = false) {
    if (!this.#active || !Array.isArray(words)) return '';
    const before = this.#g.slice(0, this.#cur).join('');
    if (!(start >= 0 && start <= before.length)) return '';
    const word = before.slice(start);
    const choices = words.map(String).filter((w) => w.startsWith(word));
    if (choices.length === 0) return '';
    let add = commonPrefix(choices).slice(word.length);
    if (choices.length === 1 && !choices[0].endsWith('/')) add += ' ';
    if (add) {
      this.#insert(add);
      this.#tabs = 0;
      return this.#flush();
    }
    if (!list || choices.length < 2) return '';
    const shown = this.#promptStyled + sanitize(this.line);
    return this.hide() + shown + '\r\n' + choices.map(sanitize).join('  ') + '\r\n' + this.show();
  }

  /**
   * Show a new prompt. The terminal cursor must be at the start of a line.
   * A line put aside by submit() comes back.
   */
  prompt() {
    this.#active = true;
    this.#row = 0;
    if (this.#stash) {
      this.#g = this.#stash.g;
      this.#cur = this.#stash.cur;
      this.#stash = null;
    }
    this.#dirty = 'full';
    return this.#flush();
  }

  /**
   * Handle input (keys or pasted text). Stops after the first Enter.
   * @returns {{output: string, line: string|null, rest: string}} output to
   *   write to the terminal; the accepted line (or null if Enter was not
   *   reached); the input after the Enter, not yet handled. After a line is
   *   accepted the editor is inactive until prompt() is called.
   */
  feed(data) {
    data = String(data ?? '');
    if (!this.#active) return { output: '', line: null, rest: data };
    let out = '';
    let i = 0;
    while (i < data.length) {
      const [token, next] = readKey(data, i);
      i = next;
      if (token.key === 'enter') {
        const line = this.line;
        out += this.#accept();
        return { output: out, line, rest: data.slice(i) };
      }
      if (token.key === 'cancel') {
        out += this.#cancel();
        continue;
      }
      if (token.key === 'clear-screen') {
        out += this.#flush() + `${CSI}H${CSI}2J`;
        this.#row = 0;
        this.#dirty = 'full';
        continue;
      }
      if (token.key === 'tab') {
        // A lone Tab completes; tabs in pasted text become spaces.
        if (data.length > 1) this.#insert(' ');
        else this.#askCompletion();
        continue;
      }
      this.#tabs = 0;
      this.#apply(token);
    }
    out += this.#flush();
    return { output: out, line: null, rest: '' };
  }

  /**
   * Type a whole line and press Enter, as if the user had (used for
   * commands run through the page API). A line the user was editing is put
   * aside and comes back at the next prompt().
   * @returns {string} output to write to the terminal
   */
  submit(line) {
    if (!this.#active) throw new Error('LineEditor.submit: no prompt is shown');
    let out = '';
    if (this.#g.length > 0) {
      this.#stash = { g: this.#g, cur: this.#cur };
    }
    this.#histIndex = this.#history.length;
    this.#histDraft = null;
    this.#g = graphemes(sanitize(String(line)));
    this.#cur = this.#g.length;
    this.#dirty = 'full';
    out += this.#accept();
    return out;
  }

  /**
   * Remove the prompt and line from the screen (to print something above
   * them); show() puts them back.
   */
  hide() {
    if (!this.#active) return '';
    const out = this.#flush() + up(this.#row) + `\r${CSI}J`;
    this.#row = 0;
    this.#dirty = 'full';
    return out;
  }

  /** Draw the prompt and line again after hide(). */
  show() {
    if (!this.#active) return '';
    this.#dirty = 'full';
    return this.#flush();
  }

  // ---- editing ---------------------------------------------------------

  #apply({ key, text }) {
    const g = this.#g;
    switch (key) {
      case 'text':
        if (text) this.#insert(text);
        break;
      case 'backspace':
        if (this.#cur > 0) this.#splice(this.#cur - 1, this.#cur, this.#cur - 1);
        break;
      case 'delete':
        if (this.#cur < g.length) this.#splice(this.#cur, this.#cur + 1, this.#cur);
        break;
      case 'left':
        this.#move(this.#cur - 1);
        break;
      case 'right':
        this.#move(this.#cur + 1);
        break;
      case 'home':
        this.#move(0);
        break;
      case 'end':
        this.#move(g.length);
        break;
      case 'word-left':
        this.#move(this.#wordStart());
        break;
      case 'word-right':
        this.#move(this.#wordEnd());
        break;
      case 'kill-line':
        if (g.length) this.#splice(0, g.length, 0);
        break;
      case 'kill-to-end':
        if (this.#cur < g.length) this.#splice(this.#cur, g.length, this.#cur);
        break;
      case 'kill-word-back': {
        // Like Ctrl-W in a shell: back over spaces, then over non-spaces.
        let k = this.#cur;
        while (k > 0 && isSpace(g[k - 1])) k--;
        while (k > 0 && !isSpace(g[k - 1])) k--;
        if (k < this.#cur) this.#splice(k, this.#cur, k);
        break;
      }
      case 'kill-word-forward': {
        const k = this.#wordEnd();
        if (k > this.#cur) this.#splice(this.#cur, k, this.#cur);
        break;
      }
      case 'up':
        this.#recall(this.#histIndex - 1);
        break;
      case 'down':
        this.#recall(this.#histIndex + 1);
        break;
      default:
        // unknown keys and Escape do nothing
        break;
    }
  }

  #wordStart() {
    let k = this.#cur;
    while (k > 0 && !isWordChar(this.#g[k - 1])) k--;
    while (k > 0 && isWordChar(this.#g[k - 1])) k--;
    return k;
  }

  #wordEnd() {
    let k = this.#cur;
    while (k < this.#g.length && !isWordChar(this.#g[k])) k++;
    while (k < this.#g.length && isWordChar(this.#g[k])) k++;
    return k;
  }

  #insert(text) {
    text = sanitize(text);
    if (!text) return;
    const atEnd = this.#cur === this.#g.length;
    const before = this.#g.slice(0, this.#cur).join('') + text;
    const after = this.#g.slice(this.#cur).join('');
    this.#g = graphemes(before + after);
    // The cursor goes after the inserted text (after the cluster it joined).
    let len = 0;
    let k = 0;
    while (k < this.#g.length && len < before.length) len += this.#g[k++].length;
    this.#cur = k;
    if (atEnd && this.#wcwidth(text.codePointAt(0)) > 0) {
      this.#mark('append');
      this.#appended += text;
    } else {
      this.#mark('full');
    }
  }

  #splice(from, to, cursor) {
    this.#g = graphemes([...this.#g.slice(0, from), ...this.#g.slice(to)].join(''));
    this.#cur = Math.min(cursor, this.#g.length);
    this.#mark('full');
  }

  #move(k) {
    k = Math.max(0, Math.min(this.#g.length, k));
    if (k === this.#cur) return;
    this.#cur = k;
    this.#mark('cursor');
  }

  #recall(index) {
    if (index < 0 || index > this.#history.length || index === this.#histIndex) return;
    if (this.#histIndex === this.#history.length) this.#histDraft = this.line;
    this.#histIndex = index;
    const text = index === this.#history.length ? (this.#histDraft ?? '') : this.#history[index];
    this.#g = graphemes(text);
    this.#cur = this.#g.length;
    this.#mark('full');
  }

  #remember(line) {
    if (line.trim() === '') return;
    if (this.#history.length && this.#history[this.#history.length - 1] === line) return;
    this.#history.push(line);
    if (this.#history.length > this.#historySize) {
      this.#history.splice(0, this.#history.length - this.#historySize);
    }
  }

  // Enter: leave the cursor at the start of the line after the input.
  #accept() {
    const line = this.line;
    let out = this.#flush();
    const end = this.#endPosition();
    out += this.#moveTo(end.pos);
    if (!end.wrapped) out += '\r\n';
    this.#remember(line);
    this.#reset();
    this.#active = false;
    return out;
  }

  // Ctrl-C: show ^C after the input, and a new prompt with an empty line.
  #cancel() {
    let out = this.#flush();
    out += this.#moveTo(this.#endPosition().pos) + `^C\r\n`;
    this.#reset();
    this.oncancel?.();
    out += this.prompt();
    return out;
  }

  #reset() {
    this.#g = [];
    this.#cur = 0;
    this.#row = 0;
    this.#histIndex = this.#history.length;
    this.#histDraft = null;
    this.#dirty = 'none';
    this.#appended = '';
  }

  #mark(kind) {
    if (this.#dirty === 'none') this.#dirty = kind;
    else if (this.#dirty !== kind) this.#dirty = 'full';
  }

  // ---- display -----------------------------------------------------------

  // Where the terminal puts the cursor after writing the prompt and the
  // first n characters. col may equal the width: xterm.js then waits to
  // wrap until the next character is written.
  #layout(n) {
    const cols = this.#cols;
    let row = 0;
    let col = 0;
    const advance = (s) => {
      for (const ch of s) {
        const w = this.#wcwidth(ch.codePointAt(0));
        if (w <= 0) continue;
        if (col + w > cols) {
          row++;
          col = 0;
        }
        col += w;
      }
    };
    advance(this.#prompt);
    for (let k = 0; k < n; k++) advance(this.#g[k]);
    return { row, col };
  }

  // Where the cursor is shown when it is before character n.
  #cursorPosition(n) {
    const p = this.#layout(n);
    let w = 1;
    if (n < this.#g.length) {
      for (const ch of this.#g[n]) {
        const cw = this.#wcwidth(ch.codePointAt(0));
        if (cw > 0) {
          w = cw;
          break;
        }
      }
    }
    if (p.col + w > this.#cols) return { row: p.row + 1, col: 0 };
    return p;
  }

  // The cursor position after the last character; wrapped: the input ends
  // exactly at the right margin, so the cursor is on the row below.
  #endPosition() {
    const p = this.#layout(this.#g.length);
    if (p.col >= this.#cols) return { pos: { row: p.row + 1, col: 0 }, wrapped: true };
    return { pos: p, wrapped: false };
  }

  #moveTo(pos) {
    let out = pos.row < this.#row ? up(this.#row - pos.row) : down(pos.row - this.#row);
    out += '\r' + right(pos.col);
    this.#row = pos.row;
    return out;
  }

  // When the text ends exactly at the right margin, make the terminal wrap
  // now, so the cursor can be shown on the next row.
  #wrapIfAtMargin() {
    const p = this.#layout(this.#g.length);
    if (p.col < this.#cols) return { out: '', row: p.row };
    return { out: ` \r${CSI}K`, row: p.row + 1 };
  }

  #flush() {
    const dirty = this.#dirty;
    this.#dirty = 'none';
    if (!this.#active || dirty === 'none') return '';
    if (dirty === 'cursor') return this.#moveTo(this.#cursorPosition(this.#cur));
    if (dirty === 'append') {
      // Typing at the end of the line: just write the new text.
      let out = this.#appended;
      this.#appended = '';
      const w = this.#wrapIfAtMargin();
      out += w.out;
      this.#row = w.row;
      return out;
    }
    // Redraw the prompt and the line.
    this.#appended = '';
    let out = up(this.#row) + `\r${CSI}J` + this.#promptStyled + this.line;
    const w = this.#wrapIfAtMargin();
    out += w.out;
    this.#row = w.row;
    out += this.#moveTo(this.#cursorPosition(this.#cur));
    return out;
  }
}

// Characters the line can hold: no control characters (tabs become spaces).
function sanitize(text) {
  return text.replace(/\t/g, ' ').replace(/[\x00-\x1f\x7f-\x9f]/g, '');
}
