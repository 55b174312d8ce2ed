// Command guest is a Go program built as kubeplay builds its images (a
// WASI reactor started at kubeplay_main), for package start's tests.
package main

import (
	"fmt"
	"os"
	"runtime/debug"
)

// early is read in a package variable's initializer: the snapshot's.
var early = len(os.Args)

func main() {
	switch os.Args[1] {
	case "show":
		wd, _ := os.Getwd()
		fmt.Printf("args=%q env=%q wd=%s gogc=%d early=%d\n", os.Args, os.Environ(), wd, debug.SetGCPercent(100), early)
	case "panic":
		go func() { select {} }()
		panic("boom")
	case "return":
	}
}
