//go:build !wasip1

package main

import "io/fs"

// Natively the OS's stat and chmod carry modes.
const hostModes = false

func modeHost(string, bool) (fs.FileMode, bool) { return 0, false }
func chmodHost(string, fs.FileMode) error       { return nil }
