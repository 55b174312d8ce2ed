package session

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"mvdan.cc/sh/v3/syntax"

	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/engine/shell"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// fuzzSession is one session for all the inputs of a fuzz run: starting a
// cluster per input would leave little time for the inputs.
var fuzzSession struct {
	once sync.Once
	s    *Session
}

func sessionForFuzz(f *testing.F) *Session {
	fuzzSession.once.Do(func() {
		cfg := clusterConfig(runtime.NewFSSource(wasmtest.Modules(f)))
		s, err := New(Config{Cluster: cfg, FS: memFS(f), Dir: "/root", Env: []string{"HOME=/root", "PATH=/usr/bin:/bin"}})
		if err != nil {
			f.Fatal(err)
		}
		fuzzSession.s = s
	})
	return fuzzSession.s
}

// execBounded runs a line as the terminal would, interrupting it after a
// while (a loop that never ends is the user's to stop, with Ctrl-C); what
// may not happen is a panic, or a command that ignores the interrupt.
func execBounded(t *testing.T, s *Session, line string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	done := make(chan int, 1)
	var out bytes.Buffer
	go func() {
		code := s.Exec(ctx, line, &out, &out)
		if code == shell.Incomplete {
			s.Shell().Reset()
		}
		done <- code
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("%q did not stop when interrupted", line)
	}
}

// FuzzShell runs arbitrary command lines: any of them prints something or
// fails, and none panics or hangs.
func FuzzShell(f *testing.F) {
	for _, seed := range []string{
		"echo hi | grep h && echo ok || echo no",
		"for i in 1 2 3; do echo $i; done | sort -r | head -n 2",
		"cat <<EOF | kubectl apply -f -\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\nEOF",
		"x=$(kubectl get pods -o name | wc -l); echo \"$x\"",
		"while true; do sleep 1; done",
		"'unterminated",
		"kubectl get nodes -o jsonpath='{.items[*].metadata.name}'",
	} {
		f.Add(seed)
	}
	s := sessionForFuzz(f)
	f.Fuzz(func(t *testing.T, line string) {
		execBounded(t, s, line)
	})
}

// FuzzKubectl gives kubectl arbitrary arguments (the input's lines are
// the words): it answers with output, a usage text or an error, and
// neither panics nor hangs.
func FuzzKubectl(f *testing.F) {
	for _, seed := range []string{
		"get\npods\n-A\n-o\nwide",
		"run\nx\n--image=busybox\n--restart=Never\n--\necho\nhi",
		"exec\nx\n-it\n--\nsh",
		"wait\n--for=jsonpath={.status.phase}=Running\npod/x\n--timeout=3s",
		"diff\n-f\n-",
		"get\npods\n--sort-by={.metadata.name\n",
		"logs\n-l\napp=web\n--tail=-2",
		"-n",
	} {
		f.Add(seed)
	}
	s := sessionForFuzz(f)
	f.Fuzz(func(t *testing.T, input string) {
		words := []string{"kubectl"}
		for _, w := range strings.Split(input, "\n") {
			q, err := syntax.Quote(w, syntax.LangBash)
			if err != nil {
				return // not a word a shell can pass
			}
			words = append(words, q)
		}
		execBounded(t, s, strings.Join(words, " "))
	})
}
