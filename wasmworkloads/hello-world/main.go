// Command hello-world writes kubeplay's hello-world image
// (docker.io/library/hello-world): it prints Docker's greeting and exits
// 0. The real image is a few kilobytes of static binary; this one is a
// WASI module of about a kilobyte, assembled here as the pause image is,
// so that it starts at once.
//
// The module, in WebAssembly text format:
//
//	(module
//	  (import "wasi_snapshot_preview1" "fd_write"
//	    (func $fd_write (param i32 i32 i32 i32) (result i32)))
//	  (memory (export "memory") 1)
//	  (data (i32.const 0) "\10\00\00\00" "<the message's length>") ;; an iovec
//	  (data (i32.const 16) "<the message>")
//	  (func (export "_start")
//	    (drop (call $fd_write
//	      (i32.const 1)    ;; stdout
//	      (i32.const 0)    ;; the iovec
//	      (i32.const 1)    ;; one of them
//	      (i32.const 8)))) ;; where the host writes the count
//
// Returning from _start is a WASI program's exit 0.
//
// Usage:
//
//	go run ./wasmworkloads/hello-world -o wasmworkloads/bin/hello-world.wasm
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"os"

	w "github.com/kubeplay/kubeplay/wasmworkloads/internal/wasmenc"
)

// Message is what the image prints: docker-library/hello-world's hello.c
// for amd64, the architecture kubeplay's nodes report.
const Message = "\n" +
	"Hello from Docker!\n" +
	"This message shows that your installation appears to be working correctly.\n" +
	"\n" +
	"To generate this message, Docker took the following steps:\n" +
	" 1. The Docker client contacted the Docker daemon.\n" +
	" 2. The Docker daemon pulled the \"hello-world\" image from the Docker Hub.\n" +
	"    (amd64)\n" +
	" 3. The Docker daemon created a new container from that image which runs the\n" +
	"    executable that produces the output you are currently reading.\n" +
	" 4. The Docker daemon streamed that output to the Docker client, which sent it\n" +
	"    to your terminal.\n" +
	"\n" +
	"To try something more ambitious, you can run an Ubuntu container with:\n" +
	" $ docker run -it ubuntu bash\n" +
	"\n" +
	"Share images, automate workflows, and more with a free Docker ID:\n" +
	" https://hub.docker.com/\n" +
	"\n" +
	"For more examples and ideas, visit:\n" +
	" https://docs.docker.com/get-started/\n" +
	"\n"

func main() {
	out := flag.String("o", "", "file to write the module to (- for standard output)")
	flag.Parse()
	if *out == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: hello-world -o FILE")
		os.Exit(2)
	}
	var err error
	if *out == "-" {
		_, err = os.Stdout.Write(Module())
	} else {
		err = os.WriteFile(*out, Module(), 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "hello-world:", err)
		os.Exit(1)
	}
}

// Addresses in the module's memory.
const (
	iovecAddr   = 0  // buf (u32) and len (u32)
	writtenAddr = 8  // where fd_write puts the count written
	messageAddr = 16 // the message
)

// Module returns the hello-world module's bytes.
func Module() []byte {
	i32x4 := []byte{w.ValI32, w.ValI32, w.ValI32, w.ValI32}
	types := w.Vector(
		w.Concat([]byte{w.FuncType}, w.Vector(w.Bytes(i32x4)...), w.Vector([]byte{w.ValI32})), // 0: fd_write
		w.Concat([]byte{w.FuncType}, w.Vector(), w.Vector()),                                  // 1: _start
	)
	imports := w.Vector(w.Concat(w.Name("wasi_snapshot_preview1"), w.Name("fd_write"), []byte{w.KindFunc}, w.ULEB(0)))
	exports := w.Vector(
		w.Concat(w.Name("memory"), []byte{w.KindMemory}, w.ULEB(0)),
		w.Concat(w.Name("_start"), []byte{w.KindFunc}, w.ULEB(1)),
	)
	code := w.Vector(w.Function(w.Concat(
		w.I32Const(1), w.I32Const(iovecAddr), w.I32Const(1), w.I32Const(writtenAddr),
		[]byte{w.OpCall}, w.ULEB(0),
		[]byte{w.OpDrop},
	)))
	iovec := make([]byte, 8)
	binary.LittleEndian.PutUint32(iovec, messageAddr)
	binary.LittleEndian.PutUint32(iovec[4:], uint32(len(Message)))
	data := w.Vector(w.ActiveData(iovecAddr, iovec), w.ActiveData(messageAddr, []byte(Message)))
	return w.Concat(
		w.Header,
		w.Section(w.SectionType, types),
		w.Section(w.SectionImport, imports),
		w.Section(w.SectionFunction, w.Vector(w.ULEB(1))),
		w.Section(w.SectionMemory, w.Vector(w.Concat([]byte{w.LimitsMin}, w.ULEB(1)))),
		w.Section(w.SectionExport, exports),
		w.Section(w.SectionCode, code),
		w.Section(w.SectionData, data),
	)
}
