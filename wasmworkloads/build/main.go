// Command build compiles a Go container image of kubeplay into a WASI
// module (GOOS=wasip1 GOARCH=wasm):
//
//	go run ./wasmworkloads/build [-ldflags '-s -w'] -o wasmworkloads/bin/busybox.wasm ./wasmworkloads/busybox
//
// It is `go build -trimpath` plus a build-time fix that lets the busybox
// image's shell make pipes under wasip1; see package wasmbuild. The pause
// image is not a Go program and has its own generator (./wasmworkloads/pause).
//
// With -engine it builds the browser's engine instead (GOOS=js), with
// the patches that take out of wazero what the engine never runs:
//
//	go run ./wasmworkloads/build -engine -ldflags '-s -w' -o build/engine.wasm ./cmd/wasm
//
// -overlay passes go build an overlay file (the Makefile gives the
// engine tools/jsgc's); an empty one is none.
//
// With -engine-modfile it builds nothing and prints the path of a go.mod
// that builds the repository with the engine's patched wazero, for the
// go command's -modfile flag (e2e/bench builds its test binaries so); the
// caller removes the file's directory:
//
//	go test -modfile=$(go run ./wasmworkloads/build -engine-modfile) ./engine/network
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/kubeplay/kubeplay/wasmworkloads/internal/wasmbuild"
)

func main() {
	out := flag.String("o", "", "the module file to write")
	ldflags := flag.String("ldflags", "", "go build's -ldflags, e.g. '-s -w'")
	engine := flag.Bool("engine", false, "build the browser's engine (js/wasm) instead of an image")
	overlay := flag.String("overlay", "", "go build's -overlay file, if any")
	modfile := flag.Bool("engine-modfile", false, "print the path of a go.mod that builds with the engine's patched wazero")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: build [-engine] [-overlay FILE] [-ldflags FLAGS] -o FILE.wasm PACKAGE")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *modfile {
		path, err := wasmbuild.EngineModfile(context.Background(), ".")
		if err != nil {
			fmt.Fprintln(os.Stderr, "build:", err)
			os.Exit(1)
		}
		fmt.Println(path)
		return
	}
	if *out == "" || flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	var flags []string
	if *ldflags != "" {
		flags = append(flags, "-ldflags="+*ldflags)
	}
	if *overlay != "" {
		flags = append(flags, "-overlay="+*overlay)
	}
	build := wasmbuild.Build
	if *engine {
		build = wasmbuild.BuildEngine
	}
	if err := build(context.Background(), ".", flag.Arg(0), *out, flags...); err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
		os.Exit(1)
	}
}
