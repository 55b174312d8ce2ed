import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory } from 'fake-indexeddb';
import { makeWriteFile } from '../src/idbfile.js';

// A database as hackpadfs's indexeddb.NewFS makes it (fsVersion 1), with
// the root and a "wal" directory, and a file "conf" of mode 0o600.
const dirMode = 0x80000000 + 0o755;

function request(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

async function hackpadDB(factory, name) {
  const open = factory.open(name, 1);
  open.onupgradeneeded = () => {
    const db = open.result;
    db.createObjectStore('contents');
    db.createObjectStore('info').createIndex('Parent', 'Parent');
  };
  const db = await request(open);
  const txn = db.transaction(['contents', 'info'], 'readwrite');
  txn.objectStore('info').put({ ModTime: 1, Mode: dirMode, Size: 0 }, '.');
  txn.objectStore('info').put({ ModTime: 1, Mode: dirMode, Size: 0, Parent: '.' }, 'wal');
  txn.objectStore('info').put({ ModTime: 1, Mode: 0o600, Size: 2, Parent: '.' }, 'conf');
  txn.objectStore('contents').put(new Uint8Array([1, 2]), 'conf');
  await new Promise((resolve) => (txn.oncomplete = resolve));
  return db;
}

// read returns a file as hackpadfs would find it: its info and contents.
async function read(db, name) {
  const txn = db.transaction(['contents', 'info'], 'readonly');
  const info = await request(txn.objectStore('info').get(name));
  const contents = await request(txn.objectStore('contents').get(name));
  return { info, contents: contents && Array.from(contents) };
}

function write(writeFile, name, bytes, perm = 0o644) {
  return new Promise((resolve) => writeFile('db', name, new Uint8Array(bytes), perm, 42, resolve));
}

const cases = [
  { name: 'a new file at the top', path: 'manifest', bytes: [7, 8, 9], why: '', info: { ModTime: 42, Mode: 0o644, Size: 3, Parent: '.' } },
  { name: 'a new file in a directory', path: 'wal/0001.log', bytes: [1], why: '', info: { ModTime: 42, Mode: 0o644, Size: 1, Parent: 'wal' } },
  { name: 'a file written again keeps its mode', path: 'conf', bytes: [5, 5, 5, 5], why: '', info: { ModTime: 42, Mode: 0o600, Size: 4, Parent: '.' } },
  { name: 'no parent', path: 'snap/0001.part', bytes: [1], why: 'not exist', unchanged: true },
  { name: 'a parent that is a file', path: 'conf/x', bytes: [1], why: 'not a directory', unchanged: true },
  { name: 'over a directory', path: 'wal', bytes: [1], why: 'is a directory', unchanged: true },
];

for (const c of cases) {
  test(`writeFile: ${c.name}`, async () => {
    const factory = new IDBFactory();
    const db = await hackpadDB(factory, 'db');
    const before = await read(db, c.path);
    const writeFile = makeWriteFile(() => factory);
    assert.equal(await write(writeFile, c.path, c.bytes), c.why);
    const after = await read(db, c.path);
    if (c.unchanged) {
      assert.deepEqual(after, before);
      return;
    }
    assert.deepEqual(after, { info: c.info, contents: c.bytes });
  });
}

test('writeFile: a database that does not open writes nothing and says why', async () => {
  const writeFile = makeWriteFile(() => {
    throw new Error('SecurityError: no IndexedDB here');
  });
  assert.match(await write(writeFile, 'manifest', [1]), /no IndexedDB here/);
});

test('writeFile: writes in a row each commit, the last one wins', async () => {
  const factory = new IDBFactory();
  const db = await hackpadDB(factory, 'db');
  const writeFile = makeWriteFile(() => factory);
  const results = await Promise.all([write(writeFile, 'wal/1', [1]), write(writeFile, 'wal/1', [2, 2]), write(writeFile, 'wal/2', [3])]);
  assert.deepEqual(results, ['', '', '']);
  assert.deepEqual((await read(db, 'wal/1')).contents, [2, 2]);
  assert.deepEqual((await read(db, 'wal/2')).info.Size, 1);
});
