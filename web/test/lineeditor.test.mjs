// Tests for web/src/lineeditor.js. Run: npm test (in web/).
//
// The editor's output is checked by playing it on a tiny terminal model
// that behaves like xterm.js for what the editor writes (printing with
// auto-wrap and wide characters, CR, LF, cursor movement and erasing).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineEditor, graphemes } from '../src/lineeditor.js';
import { wcwidth } from '../src/wcwidth.js';

class Screen {
  constructor(cols) {
    this.cols = cols;
    this.rows = [];
    this.x = 0;
    this.y = 0;
  }

  row(y) {
    while (this.rows.length <= y) this.rows.push(new Array(this.cols).fill(null));
    return this.rows[y];
  }

  clampX() {
    if (this.x >= this.cols) this.x = this.cols - 1;
  }

  write(s) {
    let i = 0;
    while (i < s.length) {
      const c = s[i];
      if (c === '\x1b') {
        assert.equal(s[i + 1], '[', `unsupported escape at ${JSON.stringify(s.slice(i))}`);
        let j = i + 2;
        while (/[0-9;]/.test(s[j])) j++;
        const n = s.slice(i + 2, j) === '' ? 1 : Number(s.slice(i + 2, j));
        const final = s[j];
        i = j + 1;
        switch (final) {
          case 'A': this.clampX(); this.y = Math.max(0, this.y - n); break;
          case 'B': this.clampX(); this.y += n; break;
          case 'C': this.clampX(); this.x = Math.min(this.cols - 1, this.x + n); break;
          case 'D': this.clampX(); this.x = Math.max(0, this.x - n); break;
          case 'H': this.x = 0; this.y = 0; break;
          case 'J':
            if (n === 2) { this.rows = []; break; }
            this.clampX();
            this.row(this.y).fill(null, this.x);
            this.rows.length = Math.min(this.rows.length, this.y + 1);
            break;
          case 'K': this.clampX(); this.row(this.y).fill(null, this.x); break;
          case 'm': break;
          default: assert.fail(`unsupported CSI ${final}`);
        }
        continue;
      }
      if (c === '\r') { this.x = 0; i++; continue; }
      if (c === '\n') { this.x = 0; this.y++; i++; continue; } // convertEol
      assert.ok(c.charCodeAt(0) >= 0x20, `control character ${c.charCodeAt(0)} written`);
      const cp = s.codePointAt(i);
      const ch = String.fromCodePoint(cp);
      i += ch.length;
      const w = wcwidth(cp);
      if (w === 0) {
        const r = this.row(this.y);
        const x = Math.max(0, Math.min(this.x, this.cols) - 1);
        r[x] = (r[x] ?? '') + ch;
        continue;
      }
      if (this.x + w > this.cols) { this.x = 0; this.y++; }
      const r = this.row(this.y);
      r[this.x] = ch;
      if (w === 2) r[this.x + 1] = '';
      this.x += w;
    }
  }

  // All text from row `from` on, rows joined (empty cells left out).
  text(from = 0) {
    return this.rows.slice(from).map((r) => r.filter((c) => c !== null).join('')).join('');
  }
}

// Expected cursor cell for prompt + line with the cursor before character cur.
function expectedCursor(prompt, g, cur, cols) {
  let row = 0;
  let col = 0;
  const put = (s) => {
    for (const ch of s) {
      const w = wcwidth(ch.codePointAt(0));
      if (w === 0) continue;
      if (col + w > cols) { row++; col = 0; }
      col += w;
    }
  };
  put(prompt);
  for (let k = 0; k < cur; k++) put(g[k]);
  let w = 1;
  if (cur < g.length) w = Math.max(1, wcwidth(g[cur].codePointAt(0)));
  if (col + w > cols) { row++; col = 0; }
  return { row, col };
}

function setup(cols = 80, opts = {}) {
  const ed = new LineEditor({ columns: cols, ...opts });
  const screen = new Screen(cols);
  screen.write(ed.prompt());
  const feed = (data) => {
    const r = ed.feed(data);
    screen.write(r.output);
    return r;
  };
  const check = () => {
    assert.equal(screen.text(), '$ ' + ed.line, 'screen shows the prompt and the line');
    const want = expectedCursor('$ ', graphemes(ed.line), ed.cursor, cols);
    assert.deepEqual({ row: screen.y, col: screen.x }, want, 'terminal cursor is at the editor cursor');
  };
  feed.screen = screen;
  return { ed, screen, feed, check };
}

const KEY = {
  left: '\x1b[D', right: '\x1b[C', up: '\x1b[A', down: '\x1b[B',
  home: '\x1b[H', end: '\x1b[F', del: '\x1b[3~', bs: '\x7f',
  ctrlA: '\x01', ctrlE: '\x05', ctrlC: '\x03', ctrlU: '\x15', ctrlW: '\x17',
  ctrlK: '\x0b', ctrlL: '\x0c', ctrlLeft: '\x1b[1;5D', ctrlRight: '\x1b[1;5C',
};

test('prompt is shown in colour', () => {
  const ed = new LineEditor();
  const out = ed.prompt();
  assert.match(out, /\x1b\[0;1;32m\$ \x1b\[0m/);
  assert.equal(ed.active, true);
});

test('typing, Enter and the accepted line', () => {
  const { ed, screen, feed, check } = setup();
  let r = feed('kubectl get nodes');
  assert.equal(r.line, null);
  check();
  r = feed('\r');
  assert.equal(r.line, 'kubectl get nodes');
  assert.equal(r.rest, '');
  assert.equal(ed.active, false);
  assert.equal(ed.line, '');
  assert.deepEqual({ x: screen.x, y: screen.y }, { x: 0, y: 1 });
  assert.deepEqual(ed.history, ['kubectl get nodes']);
});

test('input while no prompt is shown is returned untouched', () => {
  const ed = new LineEditor();
  assert.deepEqual(ed.feed('abc\r'), { output: '', line: null, rest: 'abc\r' });
});

test('Backspace, Delete, Left/Right, Home/End, Ctrl-A/E', () => {
  const { ed, feed, check } = setup();
  feed('hello world');
  feed(KEY.bs + KEY.bs);
  assert.equal(ed.line, 'hello wor');
  check();
  feed(KEY.left + KEY.left + KEY.left + 'X');
  assert.equal(ed.line, 'hello Xwor');
  assert.equal(ed.cursor, 7);
  check();
  feed(KEY.home + KEY.del);
  assert.equal(ed.line, 'ello Xwor');
  assert.equal(ed.cursor, 0);
  check();
  feed(KEY.end + '!');
  assert.equal(ed.line, 'ello Xwor!');
  check();
  feed(KEY.ctrlA + '>' + KEY.ctrlE + '<');
  assert.equal(ed.line, '>ello Xwor!<');
  check();
  feed('\x1bOH' + '1' + '\x1b[4~' + '2' + '\x1b[1~' + '3');
  assert.equal(ed.line, '31>ello Xwor!<2');
  check();
  feed(KEY.home + KEY.left + KEY.bs);
  assert.equal(ed.line, '31>ello Xwor!<2', 'nothing to delete before the start');
  feed(KEY.end + KEY.right + KEY.del);
  assert.equal(ed.line, '31>ello Xwor!<2', 'nothing to delete after the end');
  check();
});

test('Ctrl-U clears the line, Ctrl-K kills to the end, Ctrl-W deletes a word', () => {
  const { ed, feed, check } = setup();
  feed('kubectl  get pods');
  feed(KEY.ctrlW);
  assert.equal(ed.line, 'kubectl  get ');
  feed(KEY.ctrlW);
  assert.equal(ed.line, 'kubectl  ');
  check();
  feed('get pods -A');
  feed(KEY.ctrlLeft + KEY.ctrlLeft);
  assert.equal(ed.cursor, 'kubectl  get '.length);
  feed(KEY.ctrlK);
  assert.equal(ed.line, 'kubectl  get ');
  check();
  feed(KEY.ctrlLeft + KEY.ctrlRight);
  assert.equal(ed.cursor, 'kubectl  get'.length);
  feed(KEY.ctrlU);
  assert.equal(ed.line, '');
  assert.equal(ed.cursor, 0);
  check();
});

test('Ctrl-C prints ^C and a new prompt', () => {
  const { ed, screen, feed, check } = setup();
  const r = feed('half a comm' + KEY.ctrlC);
  assert.equal(r.line, null);
  assert.equal(ed.line, '');
  assert.equal(ed.active, true);
  assert.equal(screen.rows[0].filter((c) => c !== null).join(''), '$ half a comm^C');
  assert.equal(screen.y, 1);
  assert.equal(screen.text(1), '$ ');
  assert.deepEqual(ed.history, [], 'a cancelled line is not remembered');
  feed('ok');
  assert.equal(screen.text(1), '$ ok');
  assert.equal(screen.x, 4);
});

test('Ctrl-L clears the screen and redraws the line', () => {
  const { ed, feed } = setup();
  const r = feed('abc' + KEY.left + KEY.ctrlL);
  assert.match(r.output, /\x1b\[H\x1b\[2J/);
  const screen = new Screen(80);
  screen.write(r.output.slice(r.output.lastIndexOf('\x1b[2J')));
  assert.equal(screen.text(), '$ abc');
  assert.equal(ed.cursor, 2);
  assert.deepEqual([screen.y, screen.x], [0, 4]);
});

test('history: Up/Down, draft kept, duplicates and empty lines skipped', () => {
  const ed = new LineEditor();
  ed.prompt();
  for (const line of ['one', 'two', 'two', '', '   ', 'three']) {
    assert.equal(ed.feed(line + '\r').line, line);
    ed.prompt();
  }
  assert.deepEqual(ed.history, ['one', 'two', 'three']);
  ed.feed('draft');
  ed.feed(KEY.up);
  assert.equal(ed.line, 'three');
  ed.feed(KEY.up + KEY.up);
  assert.equal(ed.line, 'one');
  ed.feed(KEY.up);
  assert.equal(ed.line, 'one', 'stays at the oldest entry');
  ed.feed('\x0e'); // Ctrl-N
  assert.equal(ed.line, 'two');
  ed.feed(KEY.down + KEY.down);
  assert.equal(ed.line, 'draft');
  ed.feed(KEY.down);
  assert.equal(ed.line, 'draft');
  ed.feed('\x10'); // Ctrl-P
  assert.equal(ed.line, 'three');
  assert.equal(ed.cursor, 5);
});

test('a recalled line is drawn in place of the current one', () => {
  const ed = new LineEditor({ columns: 12 });
  ed.prompt();
  ed.feed('a fairly long first line\r');
  const screen = new Screen(12);
  screen.write(ed.prompt());
  screen.write(ed.feed('x' + KEY.up).output);
  assert.equal(screen.text(), '$ a fairly long first line');
  assert.deepEqual([screen.y, screen.x], [2, 2]);
  screen.write(ed.feed(KEY.down).output);
  assert.equal(ed.line, 'x');
  assert.equal(screen.text(), '$ x');
  assert.deepEqual([screen.y, screen.x], [0, 3]);
});

test('history keeps at most historySize entries', () => {
  const ed = new LineEditor({ historySize: 1000 });
  ed.prompt();
  for (let i = 0; i < 1005; i++) {
    assert.equal(ed.feed(`cmd ${i}\r`).line, `cmd ${i}`);
    ed.prompt();
  }
  const h = ed.history;
  assert.equal(h.length, 1000);
  assert.equal(h[0], 'cmd 5');
  assert.equal(h[999], 'cmd 1004');
});

test('paste with several lines stops after each Enter and returns the rest', () => {
  const { ed, feed } = setup();
  let r = feed('kubectl get nodes\rkubectl get pods\r\nkubectl get ns\rpartial');
  assert.equal(r.line, 'kubectl get nodes');
  assert.equal(r.rest, 'kubectl get pods\r\nkubectl get ns\rpartial');
  ed.prompt();
  r = ed.feed(r.rest);
  assert.equal(r.line, 'kubectl get pods');
  assert.equal(r.rest, 'kubectl get ns\rpartial');
  ed.prompt();
  r = ed.feed(r.rest);
  assert.equal(r.line, 'kubectl get ns');
  ed.prompt();
  r = ed.feed(r.rest);
  assert.equal(r.line, null);
  assert.equal(ed.line, 'partial');
  assert.equal(r.rest, '');
});

test('pasted text is inserted at the cursor; tabs become spaces; controls dropped', () => {
  const { ed, feed, check } = setup();
  feed('ab' + KEY.left);
  feed('x\ty\x07z');
  assert.equal(ed.line, 'ax yzb');
  assert.equal(ed.cursor, 5);
  check();
  feed('\t');
  assert.equal(ed.line, 'ax yzb', 'a lone Tab does nothing');
});

test('unknown escape sequences are ignored whole', () => {
  const { ed, feed, check } = setup();
  feed('a\x1b[5~\x1b[?1;2c\x1b[15;2~\x1bOPb\x1bxc\x1b');
  assert.equal(ed.line, 'abc');
  check();
});

test('multi-byte and wide characters are edited as whole characters', () => {
  const { ed, feed, check } = setup(20);
  feed('héllo 😀 日本');
  assert.equal(ed.line, 'héllo 😀 日本');
  check();
  feed(KEY.bs);
  assert.equal(ed.line, 'héllo 😀 日');
  check();
  feed(KEY.left + KEY.left + KEY.bs);
  assert.equal(ed.line, 'héllo  日', 'the emoji (a surrogate pair) goes at once');
  check();
  // e + combining acute accent is one character
  feed(KEY.ctrlU + 'cafe\u0301!');
  assert.equal(graphemes(ed.line).length, 5);
  feed(KEY.left + KEY.bs);
  assert.equal(ed.line, 'caf!');
  check();
  // a combining mark typed after a letter joins it
  feed('e');
  feed('\u0301');
  assert.equal(ed.line, 'cafe\u0301!');
  assert.equal(ed.cursor, 4);
  check();
});

test('long lines wrap; editing in the middle redraws correctly', () => {
  const { ed, feed, check } = setup(10);
  feed('abcdefghijklmnopqrstuvwxyz');
  check();
  feed(KEY.home);
  check();
  feed('0123');
  check();
  feed(KEY.right.repeat(7));
  check();
  feed(KEY.bs + KEY.bs + KEY.del);
  check();
  feed(KEY.end);
  check();
  feed(KEY.ctrlW);
  assert.equal(ed.line, '');
  check();
});

test('input that ends exactly at the right margin puts the cursor on the next row', () => {
  const { ed, screen, feed, check } = setup(10);
  feed('12345678');
  check();
  assert.deepEqual([screen.y, screen.x], [1, 0]);
  feed('9');
  check();
  feed(KEY.bs);
  check();
  feed(KEY.left);
  check();
  feed(KEY.end);
  check();
  const r = feed('\r');
  assert.equal(r.line, '12345678');
  assert.deepEqual([screen.y, screen.x], [1, 0], 'no blank line after a full row');
  assert.equal(ed.active, false);
});

test('wide characters that do not fit at the end of a row go to the next', () => {
  const { feed, check } = setup(9);
  feed('日本語のテキストです');
  check();
  feed(KEY.home + 'a');
  check();
  feed(KEY.right.repeat(3) + 'b');
  check();
  feed(KEY.end + KEY.bs);
  check();
});

test('submit() types a line, keeps the user draft for the next prompt', () => {
  const { ed, screen, feed } = setup();
  feed('my draft' + KEY.left);
  const out = ed.submit('kubectl get nodes');
  screen.write(out);
  assert.equal(screen.text(), '$ kubectl get nodes');
  assert.deepEqual([screen.y, screen.x], [1, 0]);
  assert.equal(ed.active, false);
  assert.deepEqual(ed.history, ['kubectl get nodes']);
  screen.write('output\n');
  screen.write(ed.prompt());
  assert.equal(ed.line, 'my draft');
  assert.equal(ed.cursor, 7);
  assert.equal(screen.text(2), '$ my draft');
});

test('submit() without a prompt throws', () => {
  const ed = new LineEditor();
  assert.throws(() => ed.submit('x'));
});

test('hide() and show() let output be printed above the prompt', () => {
  const { ed, screen, feed } = setup(10);
  feed('abcdefghijkl' + KEY.left.repeat(3));
  screen.write(ed.hide());
  assert.equal(screen.text(), '');
  screen.write('async output\n');
  screen.write(ed.show());
  assert.equal(screen.text(2), '$ abcdefghijkl');
  assert.deepEqual(
    { row: screen.y - 2, col: screen.x },
    expectedCursor('$ ', graphemes(ed.line), ed.cursor, 10),
  );
});

test('setColumns() redraws the line for the new width', () => {
  const ed = new LineEditor({ columns: 10 });
  let screen = new Screen(10);
  screen.write(ed.prompt());
  screen.write(ed.feed('abcdefghijklmnop' + '\x1b[D'.repeat(5)).output);
  // Like xterm.js (reflowCursorLine off): the rows stay as they are.
  const old = screen;
  screen = new Screen(14);
  screen.rows = old.rows.map((r) => [...r, ...new Array(4).fill(null)]);
  screen.x = old.x;
  screen.y = old.y;
  screen.write(ed.setColumns(14));
  assert.equal(screen.text(), '$ abcdefghijklmnop');
  assert.deepEqual({ row: screen.y, col: screen.x }, expectedCursor('$ ', graphemes(ed.line), ed.cursor, 14));
  assert.equal(ed.setColumns(14), '');
});

test('random editing keeps the screen and the line in step', () => {
  // A small deterministic PRNG, so failures can be reproduced.
  let seed = 12345;
  const rand = (n) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const pieces = ['a', 'b', 'xyz', ' ', '日', '😀', 'e\u0301', 'Ω', 'kubectl ', '本語'];
  const keys = [KEY.left, KEY.right, KEY.home, KEY.end, KEY.bs, KEY.del, KEY.ctrlW, KEY.ctrlK,
    KEY.ctrlLeft, KEY.ctrlRight];
  for (const cols of [5, 7, 10, 13, 80]) {
    const { feed, check } = setup(cols);
    for (let step = 0; step < 400; step++) {
      feed(rand(2) ? pieces[rand(pieces.length)] : keys[rand(keys.length)]);
      check();
    }
  }
});

test('random editing across prompts', () => {
  let seed = 777;
  const rand = (n) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const inputs = ['ab', 'c', '日本', '😀', ' ', 'e\u0301', KEY.left, KEY.right, KEY.home, KEY.end,
    KEY.bs, KEY.del, KEY.ctrlU, KEY.ctrlW, KEY.up, KEY.down, '\r', KEY.ctrlC];
  for (const cols of [4, 6, 9, 11]) {
    const ed = new LineEditor({ columns: cols });
    let screen = new Screen(cols);
    let start = 0; // the row where the current prompt starts
    screen.write(ed.prompt());
    for (let step = 0; step < 600; step++) {
      const r = ed.feed(inputs[rand(inputs.length)]);
      screen.write(r.output);
      if (r.line !== null) {
        screen.write(ed.prompt());
      }
      // The prompt starts on the row where the cursor was at the start of
      // the last prompt(); find it as the last row beginning with '$ '.
      for (let y = screen.rows.length - 1; y >= 0; y--) {
        if (screen.rows[y][0] === '$' && screen.rows[y][1] === ' ') { start = y; break; }
      }
      assert.equal(screen.text(start), '$ ' + ed.line, `cols ${cols} step ${step}`);
      const want = expectedCursor('$ ', graphemes(ed.line), ed.cursor, cols);
      assert.deepEqual({ row: screen.y - start, col: screen.x }, want, `cols ${cols} step ${step}`);
    }
  }
});

test('Tab completes through oncomplete: one word, a shared prefix, then the list', async () => {
  const { ed, screen, feed, check } = setup();
  const written = [];
  ed.onoutput = (text) => {
    written.push(text);
    screen.write(text);
  };
  const answers = {
    'kubectl ro': { start: 8, words: ['rollout'] },
    'kubectl rollout status deploy/': { start: 23, words: ['deploy/web', 'deploy/worker'] },
    'kubectl rollout status deploy/w': { start: 23, words: ['deploy/web', 'deploy/worker'] },
    'cat manif': { start: 4, words: ['manifests/'] },
  };
  ed.oncomplete = (line, cursor) => {
    assert.equal(cursor, line.length);
    return Promise.resolve(answers[line] ?? { start: cursor, words: [] });
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

  feed('kubectl ro');
  feed('\t');
  await settle();
  assert.equal(ed.line, 'kubectl rollout ');
  check();

  feed('status deploy/');
  feed('\t');
  await settle();
  assert.equal(ed.line, 'kubectl rollout status deploy/w', 'the shared prefix');
  check();

  feed('\t');
  await settle();
  assert.equal(ed.line, 'kubectl rollout status deploy/w', 'nothing more to add');
  feed('\t');
  await settle();
  assert.match(written.at(-1), /deploy\/web  deploy\/worker\r\n/, 'the second Tab lists the choices');
  assert.equal(screen.text(screen.y), '$ kubectl rollout status deploy/w', 'under the list, the prompt and line again');
  assert.equal(screen.rows[screen.y - 1].filter((c) => c !== null).join(''), 'deploy/web  deploy/worker');
});

test('Tab completes a directory without a space after it', async () => {
  const { ed, feed, check } = setup();
  ed.oncomplete = () => Promise.resolve({ start: 4, words: ['manifests/'] });
  ed.onoutput = (text) => feed.screen.write(text);
  feed('cat manif');
  feed('\t');
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(ed.line, 'cat manifests/');
  check();
});

test('a completion that comes after the line changed is dropped', async () => {
  const { ed, feed } = setup();
  let resolve;
  ed.oncomplete = () => new Promise((r) => (resolve = r));
  ed.onoutput = () => assert.fail('nothing to draw');
  feed('kub');
  feed('\t');
  await new Promise((r) => setTimeout(r, 0));
  feed('e');
  resolve({ start: 0, words: ['kubectl'] });
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(ed.line, 'kube');
});

test('without oncomplete a lone Tab does nothing', () => {
  const { ed, feed } = setup();
  feed('ab');
  feed('\t');
  assert.equal(ed.line, 'ab');
});
