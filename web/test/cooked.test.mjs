// Tests for web/src/cooked.js. Run: npm test (in web/).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CookedInput } from '../src/cooked.js';
import { checkWorkerMessage } from '../src/bridge.js';

test('cooked input: lines are echoed, edited and sent on Enter', () => {
  const cases = [
    { name: 'a line', keys: ['echo hi', '\r'], echo: 'echo hi\r\n', send: ['echo hi\n'] },
    { name: 'CRLF is one Enter', keys: ['a\r\nb\n'], echo: 'a\r\nb\r\n', send: ['a\n', 'b\n'] },
    { name: 'pasted lines', keys: ['echo a\recho b\r'], echo: 'echo a\r\necho b\r\n', send: ['echo a\n', 'echo b\n'] },
    { name: 'an empty line', keys: ['\r'], echo: '\r\n', send: ['\n'] },
    { name: 'Backspace', keys: ['echo hx', '\x7f', 'i\r'], echo: 'echo hx\b \bi\r\n', send: ['echo hi\n'] },
    { name: 'Ctrl-H', keys: ['ab\x08\r'], echo: 'ab\b \b\r\n', send: ['a\n'] },
    { name: 'Backspace on nothing', keys: ['\x7f\x7fx\r'], echo: 'x\r\n', send: ['x\n'] },
    { name: 'a wide character takes two columns back', keys: ['日\x7f\r'], echo: '日\b\b  \b\b\r\n', send: ['\n'] },
    { name: 'a grapheme goes at once', keys: ['e\u0301\x7f\r'], echo: 'e\u0301\b \b\r\n', send: ['\n'] },
    { name: 'Ctrl-U', keys: ['ab\x15c\r'], echo: 'ab\b \b\b \bc\r\n', send: ['c\n'] },
    { name: 'Ctrl-W', keys: ['echo hi  \x17\r'], echo: 'echo hi  ' + '\b \b'.repeat(4) + '\r\n', send: ['echo \n'] },
    { name: 'Ctrl-D on an empty line ends the input', keys: ['\x04'], echo: '', send: [null] },
    { name: 'Ctrl-D sends the line without a newline', keys: ['abc\x04'], echo: 'abc', send: ['abc'] },
    { name: 'arrow keys are dropped', keys: ['a\x1b[A\x1b[1;5Cb\x1bOHc\r'], echo: 'abc\r\n', send: ['abc\n'] },
    { name: 'a tab is a space', keys: ['a\tb\r'], echo: 'a b\r\n', send: ['a b\n'] },
    { name: 'other control keys are dropped', keys: ['a\x01\x0cb\r'], echo: 'ab\r\n', send: ['ab\n'] },
  ];
  for (const c of cases) {
    const k = new CookedInput();
    let echo = '';
    const send = [];
    for (const key of c.keys) {
      const r = k.feed(key);
      echo += r.echo;
      send.push(...r.send);
    }
    assert.equal(echo, c.echo, c.name);
    assert.deepEqual(send, c.send, c.name);
    assert.equal(k.line, '', c.name);
  }
});

test('cooked input: the line waits for Enter, and reset forgets it', () => {
  const k = new CookedInput();
  assert.deepEqual(k.feed('ech'), { echo: 'ech', send: [] });
  assert.equal(k.line, 'ech');
  k.reset();
  assert.deepEqual(k.feed('o\r'), { echo: 'o\r\n', send: ['o\n'] });
});

test('cooked input: a line is at most 4095 characters', () => {
  const k = new CookedInput();
  const r = k.feed('x'.repeat(5000) + '\r');
  assert.deepEqual(r.send, ['x'.repeat(4095) + '\n']);
});

test('the engine says when a command reads the terminal', () => {
  assert.ok(checkWorkerMessage({ type: 'reading', id: 3 }));
  assert.equal(checkWorkerMessage({ type: 'reading', id: 'x' }), null);
  assert.equal(checkWorkerMessage({ type: 'reading' }), null);
});
