// Command busybox is kubeplay's busybox image: a multi-call program in the
// spirit of BusyBox, built as a WASI module (GOOS=wasip1 GOARCH=wasm).
//
// argv[0] chooses the applet, as with BusyBox's symlinks: the kubelet starts
// the module with argv = the container's command and args, so
// `kubectl run hello --image=busybox -- echo hello` runs the echo applet
// (the image has no entrypoint and CMD ["sh"], which the pod's args
// replace). `busybox APPLET ARGS...` and `busybox --list` work too.
//
// The shell is mvdan.cc/sh/v3; external commands run as applets in the same
// process, since there are no processes to start under WASI. Time is
// whatever the host says: in kubeplay it is the cluster's virtual clock, so
// `sleep 3600` costs no real time.
//
// Build the image with ./wasmworkloads/build, which works around a wasip1
// limitation of mvdan.cc/sh/v3's interpreter (see that command's doc):
//
//	go run ./wasmworkloads/build -o wasmworkloads/bin/busybox.wasm ./wasmworkloads/busybox
package main

import (
	"context"
	"os"
	"time"
)

func main() {
	// Read here, not only in the variables' initializers, which ran
	// before the snapshot a container starts from (package start).
	mainArgs = os.Args
	bashImage = os.Getenv("_BASH_VERSION") != ""
	withBash = bashImage
	os.Exit(dispatch(&proc{
		ctx:    context.Background(),
		args:   os.Args,
		stdin:  os.Stdin,
		stdout: os.Stdout,
		stderr: os.Stderr,
		env:    os.Environ(),
		dir:    workingDir(),
		now:    time.Now,
		pid:    1,
	}))
}

// workingDir is the directory applets resolve relative paths against. WASI
// has no real working directory (Go emulates one, starting at $PWD or /),
// and a failure here must not stop commands that never touch files.
func workingDir() string {
	if dir, err := os.Getwd(); err == nil {
		return dir
	}
	return "/"
}
