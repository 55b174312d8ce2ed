// Command jsgc writes a `go build -overlay` file that lets the Go
// runtime's garbage collector share the browser's thread under js/wasm,
// and prints the overlay file's path:
//
//	GOOS=js GOARCH=wasm go build -overlay=$(go run ./tools/jsgc) ./cmd/wasm
//
// Under js/wasm the runtime has one thread, no preemption and no sysmon,
// and the page's messages reach Go only when Go gives the thread back to
// JavaScript, which it does when no goroutine can run. But before it does
// (findRunnable, just ahead of beforeIdle), a collection in its mark phase
// starts the idle mark worker, and the idle worker stops only when a
// goroutine is runnable (pollWork), which on js nothing but JavaScript can
// make so. So the first idle moment of a cycle marks the whole live heap
// in one go: about a second for 300 MB in V8, during which the worker
// takes no message (a typed `kubectl get nodes` waits, the page gets no
// batch). The fractional worker, paced against wall time, runs for as
// long after an idle stretch.
//
// After the marking, the background sweeper, always runnable until the
// heap is swept, kept the scheduler from going to JavaScript as long
// (half a second for a heap of 900 MB).
//
// The patch gives the background mark workers slices: under js a worker
// (idle or fractional) stops after jsMarkSlice, no worker starts again
// until the scheduler has gone to JavaScript (the goroutines run
// meanwhile), and when none is runnable the scheduler goes to JavaScript
// with a timeout of a millisecond to come back to the marking. (The
// fractional worker is started whenever it is behind its share: without
// the wait, its slices filled the engine loop's 4 ms sleeps and the
// thread went to JavaScript only once the marking was done.) The sweeper sleeps a
// millisecond after each slice of its own. The work is the same, done
// between the page's messages. See docs/RATIONALE.md, "The collector
// in the browser".
//
// The patch is to the text of the Go release's runtime (proc.go, mgc.go,
// mgcmark.go, mgcpacer.go, mgcsweep.go) and adds two files. Should a
// release change that text, jsgc says which patch no longer applies and
// writes an empty overlay, so the engine still builds, unpatched; its
// test fails then, so the patch is brought up to date with the toolchain.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// patches are the changes to the runtime's files, each a text that must
// occur exactly once.
var patches = []struct{ file, from, to string }{
	// The idle worker is not started while JavaScript is owed a turn.
	{"proc.go",
		"if gcBlackenEnabled != 0 && gcShouldScheduleWorker(pp) && gcController.addIdleMarkWorker() {",
		"if gcBlackenEnabled != 0 && !jsMarkDefer(&pollUntil, now) && gcShouldScheduleWorker(pp) && gcController.addIdleMarkWorker() {"},
	// The idle worker stops at the end of its slice.
	{"mgcmark.go", "\t\t\tcheck = pollWork\n", "\t\t\tcheck = jsPollIdleMark\n"},
	// So does the fractional worker.
	{"mgc.go", "func pollFractionalWorkerExit() bool {\n",
		"func pollFractionalWorkerExit() bool {\n\tif jsMarkSliceOver() {\n\t\treturn true\n\t}\n"},
	// After a slice, no worker starts until JavaScript has had its turn.
	{"mgcpacer.go", "\tif !gcShouldScheduleWorker(pp) {\n\t\t// No good reason",
		"\tif jsMarkSkipWorker() || !gcShouldScheduleWorker(pp) {\n\t\t// No good reason"},
	// The background sweeper sleeps a moment after each slice.
	{"mgcsweep.go", "\t\tnSwept := 0\n\t\tfor sweepone() != ^uintptr(0) {\n\t\t\tnSwept++\n\t\t\tif nSwept%sweepBatchSize == 0 {\n\t\t\t\tgoschedIfBusy()\n",
		"\t\tnSwept := 0\n\t\tjsLast := nanotime()\n\t\tfor sweepone() != ^uintptr(0) {\n\t\t\tnSwept++\n\t\t\tif nSwept%sweepBatchSize == 0 {\n\t\t\t\tjsSweepYield(&jsLast)\n"},
}

// addedJS is the file the patches call into, for js; addedOther keeps the
// patched runtime building for other platforms (where nothing changes).
const addedJS = `//go:build js

package runtime

// Added by kubeplay's tools/jsgc: the mark workers in slices, with the
// thread given back to JavaScript between them.

// jsMarkSlice is how long a background mark worker runs before it stops.
const jsMarkSlice = 4e6

// jsMarkYield, set at the end of a slice, holds the mark workers back
// until the scheduler has given the thread to JavaScript.
var jsMarkYield bool

// jsMarkSliceOver reports whether the running worker's slice is over.
func jsMarkSliceOver() bool {
	pp := getg().m.p.ptr()
	if nanotime()-pp.gcMarkWorkerStartTime > jsMarkSlice {
		jsMarkYield = true
		return true
	}
	return false
}

func jsPollIdleMark() bool { return pollWork() || jsMarkSliceOver() }

// jsMarkSkipWorker reports whether the scheduler is to start no mark
// worker now: not after a slice until JavaScript has had its turn
// (jsMarkDefer), so that a worker's slices never follow one another with
// only goroutines between them. The fractional worker is started
// whenever it is behind its share, goroutines or not: with a loop that
// sleeps 4 ms between steps, its 4 ms slices filled every sleep and the
// thread went to JavaScript only once the marking was done.
func jsMarkSkipWorker() bool { return jsMarkYield }

// jsMarkDefer, with nothing to run, reports whether to go to JavaScript
// before the idle worker marks again; if so it has the scheduler come
// back within a millisecond.
func jsMarkDefer(pollUntil *int64, now int64) bool {
	if !jsMarkYield {
		return false
	}
	jsMarkYield = false
	if *pollUntil == 0 || *pollUntil > now+1e6 {
		*pollUntil = now + 1e6
	}
	return true
}

// jsSweepYield, in the background sweeper's loop, sleeps a millisecond
// after each jsMarkSlice of sweeping: the sweeper is always runnable
// until the heap is swept, so the scheduler never went to JavaScript
// meanwhile (goschedIfBusy only lets other goroutines run).
func jsSweepYield(last *int64) {
	if nanotime()-*last > jsMarkSlice {
		timeSleep(1e6)
		*last = nanotime()
		return
	}
	goschedIfBusy()
}
`

const addedOther = `//go:build !js

package runtime

// Added by kubeplay's tools/jsgc: nothing changes but under js.

func jsMarkSliceOver() bool                          { return false }
func jsPollIdleMark() bool                           { return pollWork() }
func jsMarkSkipWorker() bool                         { return false }
func jsMarkDefer(pollUntil *int64, now int64) bool { return false }
func jsSweepYield(last *int64)                     { goschedIfBusy() }
`

func main() {
	dir := flag.String("dir", defaultDir, "the directory to write the patched files and the overlay to")
	flag.Parse()
	path, err := write(runtime.GOROOT(), *dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "jsgc:", err)
		os.Exit(1)
	}
	fmt.Println(path)
}

// defaultDir is where the patched files go: a directory whose name starts
// with "_", so that `go test ./...` and the other patterns of the go
// command do not take the patched runtime's files, inside the module, for
// a package of it.
const defaultDir = "build/_jsgc"

type overlay struct {
	Replace map[string]string
}

// write writes the patched runtime files of the Go release at goroot and
// the overlay naming them to dir, and returns the overlay's path. When a
// patch does not apply, it says so on stderr and the overlay replaces
// nothing.
func write(goroot, dir string) (string, error) {
	src := filepath.Join(goroot, "src", "runtime")
	files, err := patched(src)
	ov := overlay{Replace: map[string]string{}}
	if err != nil {
		fmt.Fprintf(os.Stderr, "jsgc: %v; the engine is built with the runtime unpatched (its collector marks the whole heap at once in the browser)\n", err)
		files = nil
	}
	// The files go in a directory of their own for each release (and
	// patch), so that builds for different toolchains do not share them.
	h := sha256.New()
	for _, name := range sortedKeys(files) {
		h.Write([]byte(name))
		h.Write(files[name])
	}
	out := filepath.Join(dir, hex.EncodeToString(h.Sum(nil))[:16])
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", err
	}
	for _, name := range sortedKeys(files) {
		p, err := filepath.Abs(filepath.Join(out, name))
		if err != nil {
			return "", err
		}
		if err := writeIfChanged(p, files[name]); err != nil {
			return "", err
		}
		ov.Replace[filepath.Join(src, name)] = p
	}
	b, err := json.MarshalIndent(ov, "", "\t")
	if err != nil {
		return "", err
	}
	path, err := filepath.Abs(filepath.Join(out, "overlay.json"))
	if err != nil {
		return "", err
	}
	return path, writeIfChanged(path, b)
}

// patched returns the patched and added files of the runtime at src, by
// name.
func patched(src string) (map[string][]byte, error) {
	files := map[string][]byte{
		"kubeplay_jsgc_js.go":    []byte(addedJS),
		"kubeplay_jsgc_other.go": []byte(addedOther),
	}
	for _, p := range patches {
		b, ok := files[p.file]
		if !ok {
			var err error
			if b, err = os.ReadFile(filepath.Join(src, p.file)); err != nil {
				return nil, err
			}
		}
		if n := strings.Count(string(b), p.from); n != 1 {
			return nil, fmt.Errorf("runtime/%s: the text to patch occurs %d times, not once: %q", p.file, n, p.from)
		}
		files[p.file] = []byte(strings.Replace(string(b), p.from, p.to, 1))
	}
	return files, nil
}

// writeIfChanged leaves a file with the same content alone, so that the
// go command's cache (keyed on content, but also stat) stays warm.
func writeIfChanged(path string, b []byte) error {
	if old, err := os.ReadFile(path); err == nil && string(old) == string(b) {
		return nil
	}
	return os.WriteFile(path, b, 0o644)
}

func sortedKeys(m map[string][]byte) []string { return slices.Sorted(maps.Keys(m)) }
