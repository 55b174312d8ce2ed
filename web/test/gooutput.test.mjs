import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GoOutput } from '../src/gooutput.js';

const enc = new TextEncoder();

// Go writes a line in pieces; a fatal error is followed by a stack dump
// long enough to push it out of the tail.
function written(...pieces) {
  const out = new GoOutput();
  for (const p of pieces) out.write(enc.encode(p));
  return out;
}

test('a fatal error keeps its line above the tail', () => {
  const dump = Array.from({ length: 200 }, (_, i) => `goroutine ${i} [running]:\n\tmain.f()\n`).join('');
  const out = written('fatal error: ', 'out of memory', '\n', dump);
  out.exitCode = 2;
  const msg = out.stopped('RuntimeError: unreachable');
  assert.match(msg, /^the engine stopped \(RuntimeError: unreachable\):\nfatal error: out of memory\n\.\.\.\n/);
  assert.ok(msg.endsWith('\tmain.f()'), msg.slice(-40));
  assert.equal(msg.split('\n').length, 3 + 8);
});

test('a line not yet ended is not taken for the reason', () => {
  const out = written('fatal error: out of mem');
  assert.equal(out.failure, '');
  out.write(enc.encode('ory\n'));
  assert.equal(out.failure, 'fatal error: out of memory');
});

test('the reason in the tail is not said twice', () => {
  const out = written('panic: boom\n\ngoroutine 1 [running]:\n');
  assert.equal(out.stopped(''), 'the engine stopped:\npanic: boom\n\ngoroutine 1 [running]:');
});

test('an exit code without a trap, and nothing printed', () => {
  const out = new GoOutput();
  assert.equal(out.stopped(''), 'the engine stopped');
  out.exitCode = 2;
  assert.equal(out.stopped(''), 'the engine stopped (exit code 2)');
  out.exitCode = 0;
  assert.equal(out.stopped(''), 'the engine stopped');
});

test('a character split across writes is decoded whole', () => {
  const bytes = enc.encode('panic: é\n');
  const out = new GoOutput();
  out.write(bytes.slice(0, 8));
  out.write(bytes.slice(8));
  assert.equal(out.failure, 'panic: é');
});
