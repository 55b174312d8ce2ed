//go:build js && wasm

package main

import (
	"context"
	"errors"
	"fmt"
	"syscall/js"
	"time"

	"github.com/hack-pad/go-indexeddb/idb"
	"github.com/hack-pad/hackpadfs"
	"github.com/hack-pad/hackpadfs/indexeddb"
	"github.com/hack-pad/hackpadfs/mem"
)

// Database names in IndexedDB: the cluster's store and the shell's files.
const (
	clusterDB = "kubeplay-cluster"
	homeDB    = "kubeplay-home"
)

// storage is where the tab keeps the cluster and the user's files: in
// IndexedDB, so a reload finds them again, or in memory when the browser
// refuses IndexedDB (private windows, some embedded contexts), saying so.
type storage struct {
	cluster, home hackpadfs.FS
	memory        bool // kept in memory only: IndexedDB was refused
	warnings      []string
}

func openStorage() *storage {
	s := &storage{}
	// The two databases open at once: each open waits on the browser.
	var homeErr error
	opened := make(chan struct{})
	go func() {
		defer close(opened)
		s.home, homeErr = openDB(homeDB)
	}()
	var err error
	s.cluster, err = openDB(clusterDB)
	<-opened
	if err == nil {
		err = homeErr
	}
	if err != nil {
		s.warnings = append(s.warnings, fmt.Sprintf("This browser does not let the page keep data (%v): the cluster and your files last until the tab closes.", err))
		s.cluster, s.home, s.memory = memFS(), memFS(), true
	} else {
		// The store's log is written whole files at a time.
		s.cluster = withWholeFiles(s.cluster, clusterDB, js.Global().Get("kubeplayHost"))
	}
	if err := hackpadfs.MkdirAll(s.home, "root", 0o755); err != nil && !errors.Is(err, hackpadfs.ErrExist) {
		s.warnings = append(s.warnings, fmt.Sprintf("your home directory could not be created: %v", err))
	}
	return s
}

func openDB(name string) (_ hackpadfs.FS, err error) {
	// go-indexeddb panics on what it does not expect of the browser (a
	// request that is not an IDBRequest, say): that too means no storage.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("IndexedDB: %v", r)
		}
	}()
	factory, err := indexedDB()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Relaxed durability: a transaction counts as committed once the
	// browser has handed it to the operating system, without waiting for
	// the disk. It survives a reload, a closed tab and a crashed browser;
	// a power cut may lose the last moments, as with any desktop program.
	// Strict durability made every command wait for the disk.
	return indexeddb.NewFS(ctx, name, indexeddb.Options{Factory: factory, TransactionDurability: idb.DurabilityRelaxed})
}

// indexedDB is the worker's IndexedDB, or why there is none. Browsers
// refuse it in several ways: the property is missing (some webviews), or
// reading it throws a SecurityError (an opaque origin, such as a sandboxed
// iframe). idb.Global panics on either, and a getter that throws, read
// with js.Value.Get, would end the engine; Reflect.get through Call turns
// the exception into a panic that can be recovered.
func indexedDB() (f *idb.Factory, err error) {
	defer func() {
		switch r := recover().(type) {
		case nil:
		case js.Error:
			err = fmt.Errorf("IndexedDB: %s: %s", r.Get("name").String(), r.Get("message").String())
		default:
			err = fmt.Errorf("IndexedDB: %v", r)
		}
	}()
	v := js.Global().Get("Reflect").Call("get", js.Global(), "indexedDB")
	if !v.Truthy() {
		return nil, errors.New("IndexedDB is not available")
	}
	return idb.WrapFactory(v)
}

func memFS() hackpadfs.FS {
	fs, err := mem.NewFS()
	if err != nil {
		panic(err) // mem.NewFS cannot fail
	}
	return fs
}
