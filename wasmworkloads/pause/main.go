// Command pause writes kubeplay's pause image (registry.k8s.io/pause): the
// container that holds a pod's sandbox open and does nothing else.
//
// Every container image in kubeplay is a WASI module, and the pause image is
// started for every pod, so it is not a Go program (a Go module weighs
// megabytes and takes a noticeable time to compile) but a WebAssembly module
// assembled by hand here, a couple of hundred bytes long.
//
// The real pause blocks in pause(2) until a signal arrives. WASI has no
// signals, so the module instead sleeps in a loop: poll_oneoff with a single
// relative clock subscription of one hour. Sleeping is virtual in kubeplay
// (the host hands it to the cluster's clock), so the loop costs nothing, and
// the kubelet stops the container by closing the module. Should poll_oneoff
// ever fail, the module traps rather than spin.
//
// The module, in WebAssembly text format:
//
//	(module
//	  (import "wasi_snapshot_preview1" "poll_oneoff"
//	    (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
//	  (memory (export "memory") 1)
//	  ;; One subscription_t (48 bytes) at address 0. Its userdata (0..8) and
//	  ;; tag (8, 0 = clock) are zero; the clock fields follow from 16:
//	  ;; id 1 = CLOCKID_MONOTONIC (u32 at 16), timeout 3600e9 ns (u64 at 24),
//	  ;; precision 0 (u64 at 32), flags 0 = relative (u16 at 40).
//	  (data (i32.const 16)
//	    "\01\00\00\00\00\00\00\00"   ;; clock id
//	    "\00\a0\b8\30\46\03\00\00")  ;; timeout: one hour in nanoseconds
//	  (func (export "_start")
//	    (loop $forever
//	      (br_if $forever
//	        (i32.eqz
//	          (call $poll_oneoff
//	            (i32.const 0)      ;; in: the subscription
//	            (i32.const 64)     ;; out: room for one event_t (32 bytes)
//	            (i32.const 1)      ;; nsubscriptions
//	            (i32.const 96))))) ;; where the host writes nevents
//	    unreachable))
//
// Usage:
//
//	go run ./wasmworkloads/pause -o wasmworkloads/bin/pause.wasm
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"os"

	w "github.com/kubeplay/kubeplay/wasmworkloads/internal/wasmenc"
)

func main() {
	out := flag.String("o", "", "file to write the module to (- for standard output)")
	flag.Parse()
	if *out == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: pause -o FILE")
		os.Exit(2)
	}
	if err := write(*out, Module()); err != nil {
		fmt.Fprintln(os.Stderr, "pause:", err)
		os.Exit(1)
	}
}

// write puts the module in the named file, or on standard output for "-".
func write(name string, module []byte) error {
	if name == "-" {
		_, err := os.Stdout.Write(module)
		return err
	}
	return os.WriteFile(name, module, 0o644)
}

// SleepNanos is how long each poll_oneoff asks to sleep: one hour.
const SleepNanos = 3600 * 1_000_000_000

// Addresses in the module's memory.
const (
	subscriptionAddr = 0  // the subscription_t, 48 bytes
	eventAddr        = 64 // the event_t poll_oneoff writes, 32 bytes
	neventsAddr      = 96 // the u32 count of events written
)

// Module returns the pause module's bytes.
func Module() []byte {
	i32x4 := []byte{w.ValI32, w.ValI32, w.ValI32, w.ValI32}
	types := w.Vector(
		w.Concat([]byte{w.FuncType}, w.Vector(w.Bytes(i32x4)...), w.Vector([]byte{w.ValI32})), // 0: poll_oneoff
		w.Concat([]byte{w.FuncType}, w.Vector(), w.Vector()),                                  // 1: _start
	)
	imports := w.Vector(
		w.Concat(w.Name("wasi_snapshot_preview1"), w.Name("poll_oneoff"), []byte{w.KindFunc}, w.ULEB(0)),
	)
	functions := w.Vector(w.ULEB(1)) // function 1 (_start) has type 1
	memories := w.Vector(w.Concat([]byte{w.LimitsMin}, w.ULEB(1)))
	exports := w.Vector(
		w.Concat(w.Name("memory"), []byte{w.KindMemory}, w.ULEB(0)),
		w.Concat(w.Name("_start"), []byte{w.KindFunc}, w.ULEB(1)),
	)
	code := w.Vector(w.Function(w.Concat(
		[]byte{w.OpLoop, w.BlockEmpty},
		w.I32Const(subscriptionAddr),
		w.I32Const(eventAddr),
		w.I32Const(1),
		w.I32Const(neventsAddr),
		[]byte{w.OpCall}, w.ULEB(0),
		[]byte{w.OpI32Eqz},
		[]byte{w.OpBrIf}, w.ULEB(0), // back to the loop's start
		[]byte{w.OpEnd},
		[]byte{w.OpUnreachable},
	)))
	data := w.Vector(w.ActiveData(16, clockFields()))

	return w.Concat(
		w.Header,
		w.Section(w.SectionType, types),
		w.Section(w.SectionImport, imports),
		w.Section(w.SectionFunction, functions),
		w.Section(w.SectionMemory, memories),
		w.Section(w.SectionExport, exports),
		w.Section(w.SectionCode, code),
		w.Section(w.SectionData, data),
	)
}

// clockFields returns the non-zero part of the subscription, from its
// offset 16: the clock id and the timeout. Precision and flags stay zero,
// as does the rest of memory.
func clockFields() []byte {
	b := make([]byte, 16)
	binary.LittleEndian.PutUint32(b[0:], 1) // CLOCKID_MONOTONIC
	binary.LittleEndian.PutUint64(b[8:], SleepNanos)
	return b
}
