// Whole files into hackpadfs's IndexedDB file system, for the engine's
// worker (cmd/wasm/idbfile.go): the engine's store writes its log this
// way instead of opening, writing and closing a file through hackpadfs,
// which copies the bytes three times in Go and takes two transactions.
//
// hackpadfs (v0.2.4, indexeddb/store.go) keeps a file in two object
// stores: "contents", the bytes as a Uint8Array, and "info", {ModTime
// (Unix nanoseconds), Mode (Go's fs.FileMode), Size, Parent (the
// directory, "." at the top)}, both keyed by the file's path. A file
// written here reads back through hackpadfs as if hackpadfs had written it.

// The file mode bit of a directory (Go's fs.ModeDir).
const modeDir = 0x80000000;

// makeWriteFile returns writeFile(dbName, path, bytes, perm, modTime,
// done) over the IndexedDB factory that factory() returns. It writes the
// whole file in one transaction, as hackpadfs's OpenFile with
// O_CREATE|O_TRUNC then Write and Close would: the parent must be a
// directory, a directory is not overwritten, and a file that exists keeps
// its mode (perm is a new file's). It calls done('') once the transaction
// has committed, or done(why) when it wrote nothing: 'not exist', 'not a
// directory', 'is a directory', or the browser's error (a full quota).
export function makeWriteFile(factory) {
  // The databases opened, by name (a promise of each).
  const databases = new Map();
  const open = (name) => {
    let db = databases.get(name);
    if (!db) {
      db = new Promise((resolve, reject) => {
        // No version: the one hackpadfs created the database at.
        const req = factory().open(name);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
        req.onblocked = () => reject(new Error(`IndexedDB: the database ${name} is blocked`));
      });
      databases.set(name, db);
      db.catch(() => databases.delete(name));
    }
    return db;
  };
  return function writeFile(dbName, path, bytes, perm, modTime, done) {
    const name = String(path);
    const parent = name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : '.';
    let why = '';
    let finished = false;
    const finish = (result) => {
      if (!finished) {
        finished = true;
        done(result);
      }
    };
    let txn;
    open(String(dbName))
      .then((db) => {
        txn = db.transaction(['contents', 'info'], 'readwrite', { durability: 'relaxed' });
        const infos = txn.objectStore('info');
        const contents = txn.objectStore('contents');
        const refuse = (reason) => {
          why = reason;
          txn.abort();
        };
        if (parent !== '.') {
          const p = infos.get(parent);
          p.onsuccess = () => {
            if (!p.result) refuse('not exist');
            else if (!(p.result.Mode & modeDir)) refuse('not a directory');
          };
        }
        // Requests run in order: the parent's answer comes first.
        const cur = infos.get(name);
        cur.onsuccess = () => {
          if (why) return;
          if (cur.result && cur.result.Mode & modeDir) return refuse('is a directory');
          const mode = cur.result ? cur.result.Mode : Number(perm);
          contents.put(bytes, name);
          infos.put({ ModTime: Number(modTime), Mode: mode, Size: bytes.length, Parent: parent }, name);
        };
        txn.oncomplete = () => finish('');
        txn.onabort = () => finish(why || String(txn.error || 'IndexedDB: the transaction was aborted'));
      })
      .catch((err) => {
        // The database did not open, or the transaction could not start:
        // nothing is written.
        finish(String(err));
        try {
          txn?.abort();
        } catch {
          // already finished
        }
      });
  };
}
