import test from 'node:test';
import assert from 'node:assert/strict';
import { fragmentParams, workerParams, isEmbedded, checkParentMessage, checkScenarioMessage, commandsOf } from '../src/embedhost.js';

test('fragmentParams reads the fragment, and nothing from one too long', () => {
  assert.equal(fragmentParams('#share=abc&view=terminal').get('share'), 'abc');
  assert.equal(fragmentParams('#' + 'a'.repeat((1 << 20) + 1)).get('a'), null);
  assert.equal(fragmentParams('').get('x'), null);
});

test('workerParams passes a link, else a scenario, and the site address', () => {
  const loc = (hash) => ({ hash, href: 'https://play.example/sub/index.html' + hash, pathname: '/sub/index.html' });
  assert.deepEqual(workerParams(loc('#share=AQ&scenario=x')), [['url', 'https://play.example/sub/'], ['share', 'AQ']]);
  assert.deepEqual(workerParams(loc('#scenario=title%3A%20t')), [['url', 'https://play.example/sub/'], ['scenario', 'title: t']]);
  assert.deepEqual(workerParams(loc('')), [['url', 'https://play.example/sub/']]);
  const embed = { hash: '', href: 'https://play.example/embed.html', pathname: '/embed.html' };
  assert.deepEqual(workerParams(embed), [['url', 'https://play.example/'], ['fresh', '1']]);
  const long = '#share=' + 'A'.repeat(1 << 20);
  assert.deepEqual(workerParams(loc(long)), [['url', 'https://play.example/sub/'], ['oversized', String(long.length)]], 'refused with the reason, not ignored');
});

test('isEmbedded is the page named embed.html', () => {
  assert.equal(isEmbedded({ pathname: '/embed.html' }), true);
  assert.equal(isEmbedded({ pathname: '/x/embed.html' }), true);
  assert.equal(isEmbedded({ pathname: '/index.html' }), false);
  assert.equal(isEmbedded({ pathname: '/notembed.html' }), false);
});

test('checkParentMessage takes only exec requests of the right shape', () => {
  assert.deepEqual(checkParentMessage({ kubeplay: 1, type: 'exec', id: 3, line: 'kubectl get pods' }), { type: 'exec', id: 3, line: 'kubectl get pods' });
  for (const bad of [
    null, 'exec', [], { type: 'exec', id: 1, line: 'x' },
    { kubeplay: 2, type: 'exec', id: 1, line: 'x' },
    { kubeplay: 1, type: 'eval', id: 1, line: 'x' },
    { kubeplay: 1, type: 'exec', id: 0, line: 'x' },
    { kubeplay: 1, type: 'exec', id: 1.5, line: 'x' },
    { kubeplay: 1, type: 'exec', id: 1, line: 'a\nb' },
    { kubeplay: 1, type: 'exec', id: 1, line: 'x'.repeat(65537) },
    { kubeplay: 1, type: 'exec', id: 1, line: 7 },
  ]) assert.equal(checkParentMessage(bad), null, JSON.stringify(bad)?.slice(0, 80));
});

test('checkScenarioMessage takes a step number', () => {
  assert.deepEqual(checkScenarioMessage({ type: 'scenario', passed: 2 }), { type: 'scenario', passed: 2 });
  assert.equal(checkScenarioMessage({ type: 'scenario', passed: -1 }), null);
  assert.equal(checkScenarioMessage({ type: 'scenario', passed: '1' }), null);
  assert.equal(checkScenarioMessage({ type: 'output', passed: 1 }), null);
});

test('commandsOf drops blank lines and comments', () => {
  assert.deepEqual(commandsOf('kubectl get nodes\n\n# a comment\n  kubectl get pods\r\n'), ['kubectl get nodes', '  kubectl get pods']);
  assert.deepEqual(commandsOf(null), []);
});
