// Package wasmworkloads holds the container images: each subdirectory is a
// program built as a WASI module (GOOS=wasip1) into bin/ by `make build`,
// and this package embeds the built modules for the native kubeplay binary.
// The browser fetches the same files from the web server instead.
package wasmworkloads

import (
	"embed"
	"io/fs"
)

//go:embed all:bin
var bin embed.FS

// Images lists the modules a build produces.
var Images = []string{"busybox", "hello-world", "pause", "perl", "servers", "stress"}

// Generated lists the images that are not Go programs built for wasip1
// but modules a Go program in their directory writes (go run ./NAME -o
// FILE), being a few hundred bytes of hand-assembled WebAssembly.
var Generated = []string{"hello-world", "pause"}

// Modules returns the embedded modules as NAME.wasm files.
func Modules() fs.FS {
	sub, err := fs.Sub(bin, "bin")
	if err != nil {
		panic(err)
	}
	return sub
}

// Missing lists the images absent from the embedded modules (a binary built
// before `make build` produced them).
func Missing() []string {
	var out []string
	for _, name := range Images {
		if _, err := fs.Stat(Modules(), name+".wasm"); err != nil {
			out = append(out, name)
		}
	}
	return out
}
