//go:build wasip1

package main

import "github.com/kubeplay/kubeplay/wasmworkloads/sdk/start"

//go:wasmexport kubeplay_main
func kubeplayMain() { start.Main(main) }
