//go:build js && wasm

package main

import (
	"errors"
	"io/fs"
	"syscall/js"
	"time"

	"github.com/hack-pad/hackpadfs"
	"github.com/hack-pad/hackpadfs/indexeddb"
)

// wholeFiles is a hackpadfs IndexedDB file system that writes whole
// files (hackpadfs.WriteFullFile, what the store's log uses) in one
// transaction through the worker's writeFile (web/src/worker.js), which
// stores them as hackpadfs does. Through hackpadfs, writing a file of n
// bytes opened it in one transaction, grew its buffer (n zeroed bytes),
// copied the bytes into it and out again, and saved it in a second
// transaction: at 10,000 pods the log's files are about 250 MB, and those
// copies were garbage on the worker's one thread. Everything else is
// hackpadfs's (the embedded FS, whose every method and optional
// interface stays available).
type wholeFiles struct {
	*indexeddb.FS
	db    string
	write js.Value // the worker's writeFile
}

var uint8Array = js.Global().Get("Uint8Array")

// withWholeFiles gives fsys, the IndexedDB database db, whole-file writes
// when the worker offers them.
func withWholeFiles(fsys hackpadfs.FS, db string, host js.Value) hackpadfs.FS {
	idbFS, ok := fsys.(*indexeddb.FS)
	write := host.Get("writeFile")
	if !ok || write.Type() != js.TypeFunction {
		return fsys
	}
	return &wholeFiles{FS: idbFS, db: db, write: write}
}

// writeError is the error of a write the worker refused, in hackpadfs's
// terms where it has them.
func writeError(why string) error {
	switch why {
	case "":
		return nil
	case "not exist":
		return hackpadfs.ErrNotExist
	case "not a directory":
		return hackpadfs.ErrNotDir
	case "is a directory":
		return hackpadfs.ErrIsDir
	}
	return errors.New(why)
}

// WriteFile implements hackpadfs.WriteFileFS.
func (w *wholeFiles) WriteFile(name string, data []byte, perm fs.FileMode) error {
	if !hackpadfs.ValidPath(name) || name == "." {
		return &hackpadfs.PathError{Op: "write", Path: name, Err: hackpadfs.ErrInvalid}
	}
	bytes := uint8Array.New(len(data))
	js.CopyBytesToJS(bytes, data)
	ch := make(chan error, 1)
	done := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- writeError(args[0].String())
		return nil
	})
	defer done.Release()
	w.write.Invoke(w.db, name, bytes, uint32(perm.Perm()), float64(time.Now().UnixNano()), done)
	if err := <-ch; err != nil {
		return &hackpadfs.PathError{Op: "write", Path: name, Err: err}
	}
	return nil
}
