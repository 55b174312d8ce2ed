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

// WebAssembly constants used below; see the binary format in the
// WebAssembly core specification, chapter 5.
const (
	sectionType     = 1
	sectionImport   = 2
	sectionFunction = 3
	sectionMemory   = 5
	sectionExport   = 7
	sectionCode     = 10
	sectionData     = 11

	valI32     = 0x7f
	funcType   = 0x60
	kindFunc   = 0x00
	kindMemory = 0x02
	limitsMin  = 0x00 // limits with a minimum only

	opUnreachable = 0x00
	opLoop        = 0x03
	opBrIf        = 0x0d
	opEnd         = 0x0b
	opCall        = 0x10
	opI32Const    = 0x41
	opI32Eqz      = 0x45
	blockEmpty    = 0x40 // a block type with no results
)

// Module returns the pause module's bytes.
func Module() []byte {
	i32x4 := []byte{valI32, valI32, valI32, valI32}
	types := vector(
		concat([]byte{funcType}, vector(splitBytes(i32x4)...), vector([]byte{valI32})), // 0: poll_oneoff
		concat([]byte{funcType}, vector(), vector()),                                   // 1: _start
	)
	imports := vector(
		concat(name("wasi_snapshot_preview1"), name("poll_oneoff"), []byte{kindFunc}, uleb(0)),
	)
	functions := vector(uleb(1)) // function 1 (_start) has type 1
	memories := vector(concat([]byte{limitsMin}, uleb(1)))
	exports := vector(
		concat(name("memory"), []byte{kindMemory}, uleb(0)),
		concat(name("_start"), []byte{kindFunc}, uleb(1)),
	)
	code := vector(function(concat(
		[]byte{opLoop, blockEmpty},
		i32Const(subscriptionAddr),
		i32Const(eventAddr),
		i32Const(1),
		i32Const(neventsAddr),
		[]byte{opCall}, uleb(0),
		[]byte{opI32Eqz},
		[]byte{opBrIf}, uleb(0), // back to the loop's start
		[]byte{opEnd},
		[]byte{opUnreachable},
	)))
	data := vector(activeData(16, clockFields()))

	return concat(
		[]byte{0x00, 'a', 's', 'm'},    // magic
		[]byte{0x01, 0x00, 0x00, 0x00}, // version 1
		section(sectionType, types),
		section(sectionImport, imports),
		section(sectionFunction, functions),
		section(sectionMemory, memories),
		section(sectionExport, exports),
		section(sectionCode, code),
		section(sectionData, data),
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

// section frames a section body with its id and byte length.
func section(id byte, body []byte) []byte {
	return concat([]byte{id}, uleb(uint64(len(body))), body)
}

// vector encodes a vector: its element count, then the elements.
func vector(items ...[]byte) []byte {
	return concat(append([][]byte{uleb(uint64(len(items)))}, items...)...)
}

// name encodes a UTF-8 name: its byte length, then the bytes.
func name(s string) []byte {
	return concat(uleb(uint64(len(s))), []byte(s))
}

// function encodes a code entry without locals: its size, an empty local
// declaration vector, then the instructions, closed by end.
func function(instructions []byte) []byte {
	body := concat(vector(), instructions, []byte{opEnd})
	return concat(uleb(uint64(len(body))), body)
}

// activeData encodes a data segment for memory 0 placed at offset.
func activeData(offset int32, bytes []byte) []byte {
	return concat(uleb(0), i32Const(offset), []byte{opEnd}, uleb(uint64(len(bytes))), bytes)
}

// i32Const encodes the i32.const instruction.
func i32Const(v int32) []byte {
	return concat([]byte{opI32Const}, sleb(int64(v)))
}

// uleb encodes v as unsigned LEB128: seven bits a byte, low bits first,
// the high bit set on every byte but the last.
func uleb(v uint64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// sleb encodes v as signed LEB128: like uleb, but it stops once the rest
// is all sign bits and the last byte's bit 6 carries the sign.
func sleb(v int64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7 // arithmetic shift keeps the sign
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// splitBytes turns each byte into a one-byte slice, for vector.
func splitBytes(bs []byte) [][]byte {
	out := make([][]byte, len(bs))
	for i := range bs {
		out[i] = bs[i : i+1]
	}
	return out
}

// concat joins byte slices.
func concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
