//go:build js && wasm

package main

import (
	"context"
	"errors"
	"fmt"
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
	var err error
	s.cluster, err = openDB(clusterDB)
	if err == nil {
		s.home, err = openDB(homeDB)
	}
	if err != nil {
		s.warnings = append(s.warnings, fmt.Sprintf("this browser does not let the page keep data (%v): the cluster and your files last until the tab closes", err))
		s.cluster, s.home, s.memory = memFS(), memFS(), true
	}
	if err := hackpadfs.MkdirAll(s.home, "root", 0o755); err != nil && !errors.Is(err, hackpadfs.ErrExist) {
		s.warnings = append(s.warnings, fmt.Sprintf("your home directory could not be created: %v", err))
	}
	return s
}

func openDB(name string) (hackpadfs.FS, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Relaxed durability: a transaction counts as committed once the
	// browser has handed it to the operating system, without waiting for
	// the disk. It survives a reload, a closed tab and a crashed browser;
	// a power cut may lose the last moments, as with any desktop program.
	// Strict durability made every command wait for the disk.
	return indexeddb.NewFS(ctx, name, indexeddb.Options{TransactionDurability: idb.DurabilityRelaxed})
}

func memFS() hackpadfs.FS {
	fs, err := mem.NewFS()
	if err != nil {
		panic(err) // mem.NewFS cannot fail
	}
	return fs
}
