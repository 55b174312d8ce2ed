//go:build wasip1

package main

import "github.com/kubeplay/kubeplay/wasmworkloads/sdk/start"

// kubeplayMain is where a container of this image starts, from a snapshot
// of the module's initialized memory (see package start).
//
//go:wasmexport kubeplay_main
func kubeplayMain() { start.Main(main) }
