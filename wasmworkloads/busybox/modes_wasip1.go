//go:build wasip1

package main

import (
	"io/fs"
	"syscall"
	"unsafe"
)

// The kubeplay_fs host module (engine/runtime/fsmode.go).

//go:wasmimport kubeplay_fs mode
func hostMode(path unsafe.Pointer, n int32, follow int32) int32

//go:wasmimport kubeplay_fs chmod
func hostChmod(path unsafe.Pointer, n int32, mode int32) int32

const hostModes = true

func modeHost(name string, follow bool) (fs.FileMode, bool) {
	b := []byte(name)
	if len(b) == 0 {
		return 0, false
	}
	f := int32(0)
	if follow {
		f = 1
	}
	n := hostMode(unsafe.Pointer(&b[0]), int32(len(b)), f)
	if n < 0 {
		return 0, false
	}
	return fromUnix(uint32(n)), true
}

func chmodHost(name string, mode fs.FileMode) error {
	b := []byte(name)
	if len(b) == 0 {
		return syscall.ENOENT
	}
	if n := hostChmod(unsafe.Pointer(&b[0]), int32(len(b)), int32(unixMode(mode)&0o7777)); n < 0 {
		return syscall.Errno(-n)
	}
	return nil
}

// fromUnix is a mode's permission and special bits from Linux's numbers.
func fromUnix(u uint32) fs.FileMode { return fs.FileMode(u&0o777) | specialBits(u) }
