// Package e2e drives the built playground in headless Chromium: it starts
// cmd/serve on a free port, opens the page, types commands into the
// terminal and runs them through window.kubeplay.exec, and checks what real
// kubectl would print.
package e2e

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// required reports whether missing prerequisites fail the test (make test
// sets KUBEPLAY_E2E=1) rather than skip it.
func required() bool { return os.Getenv("KUBEPLAY_E2E") == "1" }

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..")
}

func need(t *testing.T, ok bool, msg string) {
	t.Helper()
	if ok {
		return
	}
	if required() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// startServer builds cmd/serve (with the built site embedded) and runs it
// on a free port. The server's standard input is a pipe this process
// holds: if the test binary is killed (go test's -timeout) before its
// cleanups run, the pipe closes and the server stops (serve -stdin) rather
// than outlive it, keeping the lock file of `flock` that it inherited.
func startServer(t *testing.T) string {
	t.Helper()
	root := repoRoot()
	bin := filepath.Join(t.TempDir(), "serve")
	build := exec.Command("go", "build", "-o", bin, "./cmd/serve")
	build.Dir = root
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-quiet", "-stdin")
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		_ = stdin.Close()
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "kubeplay: serving "); ok {
				addr <- u
			}
		}
	}()
	select {
	case u := <-addr:
		return u
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not start")
	}
	return ""
}

// userDataDir is a fresh profile directory for a test's browser. It is
// not t.TempDir: Chromium's helper processes can still be writing to it
// for a moment after the browser is gone, and t.TempDir's removal then
// fails the test ("directory not empty"). This one is removed after the
// browser (its cleanup is registered first, so it runs last), retrying
// for a few seconds, and left behind rather than failing the test.
func userDataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "kubeplay-e2e-profile-")
	require.NoError(t, err)
	t.Cleanup(func() {
		for i := 0; ; i++ {
			err := os.RemoveAll(dir)
			if err == nil {
				return
			}
			if i == 50 {
				t.Logf("the browser's profile %s was left behind: %v", dir, err)
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	return dir
}

func newBrowser(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	path := chromiumPath()
	need(t, path != "", "chromium is not installed (apt-get install -y chromium)")
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(userDataDir(t)),
		chromedp.WindowSize(1200, 800),
	}
	opts = append(opts, extra...)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	// The first run starts the browser; it must not carry a timeout.
	require.NoError(t, chromedp.Do(ctx))
	return ctx
}

type execResult struct {
	Output   string `json:"output"`
	ExitCode int    `json:"exitCode"`
}

// run runs a command line through window.kubeplay.exec.
func run(t *testing.T, ctx context.Context, line string) execResult {
	t.Helper()
	js := fmt.Sprintf(`window.kubeplay.exec(%s)`, quoteJS(line))
	r, err := chromedp.Run(ctx, chromedp.Evaluate[execResult](js, chromedp.EvalAwaitPromise))
	require.NoError(t, err, line)
	return r
}

func quoteJS(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// terminalText returns what the terminal shows.
func terminalText(t *testing.T, ctx context.Context) string {
	t.Helper()
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll('.xterm-rows > div')).map(r => r.textContent.replace(/\s+$/, '')).join('\n')`))
	require.NoError(t, err)
	return strings.ReplaceAll(text, "\u00a0", " ")
}

// waitFor polls until f holds; the limit only guards against a hang.
func waitFor(t *testing.T, ctx context.Context, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s; the terminal shows:\n%s", what, terminalText(t, ctx))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	dir := filepath.Join(repoRoot(), "build", "e2e")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), png, 0o644))
}

var (
	nodesTable = regexp.MustCompile(`(?m)^NAME +STATUS +ROLES +AGE +VERSION\n` +
		`controlplane +Ready +control-plane +\d+s +v1\.\d+\.\d+\n` +
		`node01 +Ready +<none> +\d+s +v1\.\d+\.\d+\n` +
		`node02 +Ready +<none> +\d+s +v1\.\d+\.\d+`)
	helloCompleted = regexp.MustCompile(`(?m)^hello +0/1 +Completed +0 +\d+s`)
	systemPods     = []string{"coredns-", "etcd-controlplane", "kube-apiserver-controlplane", "kube-controller-manager-controlplane", "kube-proxy-", "kube-scheduler-controlplane"}
)

func TestPlayground(t *testing.T) {
	_, err := os.Stat(filepath.Join(repoRoot(), "web", "site", "index.html"))
	need(t, err == nil, "the site is not built (make build)")
	url := startServer(t)
	ctx := newBrowser(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`.xterm`)),
	))
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`window.kubeplay.ready.then(() => true)`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)

	t.Run("typed", func(t *testing.T) {
		typeLine(t, ctx, "kubectl get nodes")
		waitFor(t, ctx, "the nodes table", func() bool { return nodesTable.MatchString(terminalText(t, ctx)) })
		typeLine(t, ctx, "kubectl run hello --image=busybox --restart=Never -- echo hello")
		waitFor(t, ctx, "pod/hello created", func() bool { return strings.Contains(terminalText(t, ctx), "pod/hello created") })
		waitFor(t, ctx, "hello to complete", func() bool {
			typeLine(t, ctx, "kubectl get pods")
			time.Sleep(time.Second)
			return helloCompleted.MatchString(terminalText(t, ctx))
		})
		typeLine(t, ctx, "clear")
		typeLine(t, ctx, "kubectl logs hello")
		waitFor(t, ctx, "the log line", func() bool {
			return regexp.MustCompile(`(?m)^\$ kubectl logs hello\nhello$`).MatchString(terminalText(t, ctx))
		})
		typeLine(t, ctx, "kubectl get pods -n kube-system")
		waitFor(t, ctx, "the system pods", func() bool {
			text := terminalText(t, ctx)
			for _, p := range systemPods {
				if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(p) + `\S* +1/1 +Running`).MatchString(text) {
					return false
				}
			}
			return true
		})
		screenshot(t, ctx, "terminal.png")
	})

	t.Run("completion", func(t *testing.T) {
		// Tab completes a verb through the engine's shell: "kubectl desc"
		// becomes "kubectl describe ", and the line runs as typed on. The
		// keys are typed while clear may still run: typed ahead, the Tab
		// must stay a key of its own, not become a space of a paste.
		typeLine(t, ctx, "clear")
		typeKeys(t, ctx, "kubectl desc")
		press(t, ctx, input.DispatchKeyEventParams{Key: "Tab", Code: "Tab", Text: "\t", UnmodifiedText: "\t", WindowsVirtualKeyCode: 9, NativeVirtualKeyCode: 9})
		waitFor(t, ctx, "the completed verb", func() bool {
			return regexp.MustCompile(`(?m)^\$ kubectl describe\s*$`).MatchString(terminalText(t, ctx))
		})
		typeLine(t, ctx, "ns default")
		waitFor(t, ctx, "the namespace described", func() bool {
			return regexp.MustCompile(`(?m)^\$ kubectl describe ns default\nName: +default$`).MatchString(terminalText(t, ctx))
		})
	})

	// kubectl exec -it gives a shell in a container: the page's terminal
	// sends each typed line to it, echoed as a terminal does, and Ctrl-D
	// ends it as exit does.
	t.Run("interactive", func(t *testing.T) {
		require.Equal(t, execResult{Output: "pod/box created\n"}, run(t, ctx, "kubectl run box --image=busybox -- sleep 3600"))
		require.Equal(t, 0, run(t, ctx, "kubectl wait --for=condition=Ready pod/box --timeout=5m").ExitCode)
		typeLine(t, ctx, "clear")
		typeLine(t, ctx, "kubectl exec -it box -- sh")
		// Typed before the container's shell reads: kept, then sent to it.
		typeLine(t, ctx, "echo hi")
		waitFor(t, ctx, "hi from the container", func() bool {
			return regexp.MustCompile(`(?m)^\$ kubectl exec -it box -- sh\n/ # echo hi\nhi\n/ #$`).MatchString(terminalText(t, ctx))
		})
		typeLine(t, ctx, "cd /tmp")
		waitFor(t, ctx, "the shell in /tmp", func() bool {
			return regexp.MustCompile(`(?m)^/ # cd /tmp\n/tmp #$`).MatchString(terminalText(t, ctx))
		})
		typeLine(t, ctx, "exit")
		waitFor(t, ctx, "the page's prompt again", func() bool {
			return regexp.MustCompile(`(?m)^/tmp # exit\n\$$`).MatchString(terminalText(t, ctx))
		})
		assert.Equal(t, execResult{Output: "back\n"}, run(t, ctx, "echo back"))

		typeLine(t, ctx, "clear")
		typeLine(t, ctx, "kubectl exec -it box -- sh")
		waitFor(t, ctx, "the container's prompt", func() bool {
			return regexp.MustCompile(`(?m)^\$ kubectl exec -it box -- sh\n/ #$`).MatchString(terminalText(t, ctx))
		})
		typeKeys(t, ctx, "echo hix")
		press(t, ctx, input.DispatchKeyEventParams{Key: "Backspace", Code: "Backspace", WindowsVirtualKeyCode: 8, NativeVirtualKeyCode: 8})
		typeLine(t, ctx, "")
		waitFor(t, ctx, "the edited line's output", func() bool {
			return regexp.MustCompile(`(?m)^/ # echo hi\nhi\n/ #$`).MatchString(terminalText(t, ctx))
		})
		press(t, ctx, input.DispatchKeyEventParams{Key: "d", Code: "KeyD", Modifiers: 2 /* Ctrl */, WindowsVirtualKeyCode: 68, NativeVirtualKeyCode: 68})
		waitFor(t, ctx, "the page's prompt after Ctrl-D", func() bool {
			return regexp.MustCompile(`(?m)^hi\n/ #\s*\n\$$`).MatchString(terminalText(t, ctx))
		})
		assert.Equal(t, execResult{Output: "back\n"}, run(t, ctx, "echo back"))
	})

	t.Run("exec", func(t *testing.T) {
		r := run(t, ctx, "kubectl get nodes")
		assert.Equal(t, 0, r.ExitCode)
		assert.Regexp(t, nodesTable, r.Output)

		r = run(t, ctx, "kubectl run hello2 --image=busybox --restart=Never -- echo hello")
		assert.Equal(t, execResult{Output: "pod/hello2 created\n"}, r)
		waitFor(t, ctx, "hello2 to complete", func() bool {
			r := run(t, ctx, "kubectl get pods hello2")
			return regexp.MustCompile(`(?m)^hello2 +0/1 +Completed +0 +\d+s$`).MatchString(r.Output)
		})
		assert.Equal(t, execResult{Output: "hello\n"}, run(t, ctx, "kubectl logs hello2"))

		r = run(t, ctx, "kubectl get pods -n kube-system")
		assert.Equal(t, 0, r.ExitCode)
		for _, p := range systemPods {
			assert.Regexp(t, `(?m)^`+regexp.QuoteMeta(p)+`\S* +1/1 +Running +0 +\d+s$`, r.Output)
		}
		assert.Equal(t, execResult{Output: "Error from server (NotFound): pods \"nope\" not found\n", ExitCode: 1}, run(t, ctx, "kubectl get pod nope"))
		screenshot(t, ctx, "exec.png")
	})

	// The user is the cloud: a machine joins, the scheduler explains a pod
	// that fits nowhere, and kubectl cordons a node.
	// A file dropped on the page is copied into the home directory and,
	// for a WebAssembly module, loaded as an image by a command typed in
	// the terminal; it then runs as any image does.
	t.Run("drop", func(t *testing.T) {
		module, err := os.ReadFile(filepath.Join(repoRoot(), "wasmworkloads", "bin", "hello-world.wasm"))
		require.NoError(t, err)
		drop := func(name string, data []byte) {
			js := fmt.Sprintf(`(() => {
				const bytes = Uint8Array.from(atob(%s), (c) => c.charCodeAt(0));
				const dt = new DataTransfer();
				dt.items.add(new File([bytes], %s));
				document.querySelector('.xterm').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
				return true;
			})()`, quoteJS(base64.StdEncoding.EncodeToString(data)), quoteJS(name))
			_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
			require.NoError(t, err)
		}
		typeLine(t, ctx, "clear")
		drop("My App.wasm", module)
		waitFor(t, ctx, "the dropped module loaded", func() bool {
			return strings.Contains(terminalText(t, ctx), "$ kubeplay image load 'My App.wasm' my-app\nLoaded image: my-app:latest")
		})
		// A module dropped again (a new build) keeps the first file and
		// loads under the same name, as docker load replaces a tag.
		drop("My App.wasm", module)
		waitFor(t, ctx, "the second module loaded", func() bool {
			return strings.Contains(terminalText(t, ctx), "$ kubeplay image load 'My App-1.wasm' my-app\nLoaded image: my-app:latest")
		})
		// Past the 2 MiB of the page's other requests: busybox's module.
		busybox, err := os.ReadFile(filepath.Join(repoRoot(), "wasmworkloads", "bin", "busybox.wasm"))
		require.NoError(t, err)
		drop("bb.wasm", busybox)
		waitFor(t, ctx, "a large module loaded", func() bool {
			return strings.Contains(terminalText(t, ctx), "$ kubeplay image load bb.wasm bb\nLoaded image: bb:latest")
		})
		drop("notes.yaml", []byte("kind: Pod\n"))
		waitFor(t, ctx, "the text file listed", func() bool {
			return regexp.MustCompile(`\$ ls -l notes\.yaml\n-rw-r--r-- .* 10 .* notes\.yaml`).MatchString(terminalText(t, ctx))
		})
		r := run(t, ctx, `test "$(base64 'My App.wasm')" = "$(base64 'My App-1.wasm')" && wc -c < 'My App.wasm' && cat notes.yaml && kubeplay image ls | grep -c my-app`)
		assert.Equal(t, execResult{Output: fmt.Sprintf("%d\nkind: Pod\n1\n", len(module)), ExitCode: 0}, r, "the modules byte for byte")
		run(t, ctx, "kubectl run dropped --image=my-app --restart=Never")
		waitFor(t, ctx, "the dropped image to run", func() bool {
			return strings.Contains(run(t, ctx, "kubectl logs dropped").Output, "Hello from Docker!")
		})
	})

	t.Run("nodes", func(t *testing.T) {
		r := run(t, ctx, "kubeplay node add --cpu 4 --memory 8Gi")
		require.Equal(t, 0, r.ExitCode, r.Output)
		waitFor(t, ctx, "node03 to be Ready", func() bool {
			return regexp.MustCompile(`(?m)^node03 +Ready +<none>`).MatchString(run(t, ctx, "kubectl get node node03").Output)
		})
		r = run(t, ctx, `printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: huge\nspec:\n  containers:\n  - name: c\n    image: busybox\n    resources:\n      requests:\n        cpu: "64"\n' | kubectl apply -f -`)
		require.Equal(t, execResult{Output: "pod/huge created\n"}, r)
		waitFor(t, ctx, "the scheduler's explanation", func() bool {
			out := run(t, ctx, "kubectl describe pod huge").Output
			return strings.Contains(out, "FailedScheduling") && strings.Contains(out, "0/4 nodes are available:") &&
				strings.Contains(out, "Insufficient cpu")
		})
		assert.Equal(t, execResult{Output: "node/node03 cordoned\n"}, run(t, ctx, "kubectl cordon node03"))
		assert.Regexp(t, `(?m)^node03 +Ready,SchedulingDisabled +<none>`, run(t, ctx, "kubectl get node node03").Output)
		assert.Equal(t, 0, run(t, ctx, "kubectl delete pod huge --wait=false").ExitCode)
	})

	// A reloaded tab finds its cluster and files as it left them (IndexedDB).
	t.Run("reload", func(t *testing.T) {
		r := run(t, ctx, `printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept\ndata:\n  colour: blue\n' | kubectl apply -f -`)
		require.Equal(t, execResult{Output: "configmap/kept created\n"}, r)
		require.Equal(t, 0, run(t, ctx, "echo remember me > note.txt").ExitCode)
		before := run(t, ctx, "kubectl get pods -A -o name").Output

		require.NoError(t, chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`.xterm`))))
		info, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`window.kubeplay.ready`, chromedp.EvalAwaitPromise))
		require.NoError(t, err)
		assert.Equal(t, true, info["restored"], "ready says the cluster was restored")
		waitFor(t, ctx, "the restored banner", func() bool {
			return strings.Contains(terminalText(t, ctx), "Your cluster and files were restored from this browser.")
		})

		assert.Equal(t, execResult{Output: "  colour: blue\n"}, run(t, ctx, "kubectl get configmap kept -o yaml | grep '^  colour'"))
		assert.Equal(t, execResult{Output: "remember me\n"}, run(t, ctx, "cat note.txt"))
		assert.Equal(t, before, run(t, ctx, "kubectl get pods -A -o name").Output, "the same pods")
		assert.Regexp(t, `(?m)^hello2 +0/1 +Completed +0 +\d+s$`, run(t, ctx, "kubectl get pod hello2").Output)
	})
}

// TestRunawayGuest: a container spinning without end neither freezes the
// page nor keeps other pods from running; commands still answer while it
// spins (the wall times are logged, for docs/benchmarks.md).
func TestRunawayGuest(t *testing.T) {
	_, err := os.Stat(filepath.Join(repoRoot(), "web", "site", "index.html"))
	need(t, err == nil, "the site is not built (make build)")
	url := startServer(t)
	ctx := newBrowser(t)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(`.xterm`))))
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`window.kubeplay.ready.then(() => true)`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)

	r := run(t, ctx, "kubectl run spin --image=busybox -- sh -c 'while :; do :; done'")
	require.Equal(t, execResult{Output: "pod/spin created\n"}, r)
	waitFor(t, ctx, "the spinner to run", func() bool {
		return regexp.MustCompile(`(?m)^spin +1/1 +Running`).MatchString(run(t, ctx, "kubectl get pod spin").Output)
	})
	start := time.Now()
	r = run(t, ctx, "kubectl get pods")
	t.Logf("kubectl get pods beside a spinner: %v", time.Since(start))
	assert.Equal(t, 0, r.ExitCode)
	start = time.Now()
	r = run(t, ctx, "kubectl run other --image=busybox --restart=Never -- sh -c 'sleep 1; echo done'")
	require.Equal(t, execResult{Output: "pod/other created\n"}, r)
	waitFor(t, ctx, "the other pod to complete", func() bool {
		return regexp.MustCompile(`(?m)^other +0/1 +Completed`).MatchString(run(t, ctx, "kubectl get pod other").Output)
	})
	t.Logf("a pod that sleeps 1 s, beside a spinner, completed in %v", time.Since(start))
	assert.Equal(t, execResult{Output: "done\n"}, run(t, ctx, "kubectl logs other"))
	assert.Regexp(t, `(?m)^spin +1/1 +Running +0`, run(t, ctx, "kubectl get pod spin").Output)

	// Beside the spinner, a guest that allocates past its limit and one
	// that logs without end: the first is OOMKilled (the second's log is
	// rotated at 10 MiB, checked natively), and the page, the nodes and
	// the other pods keep working.
	r = run(t, ctx, `kubectl run hog --image=polinux/stress --overrides='{"spec":{"containers":[{"name":"hog","image":"polinux/stress","command":["stress"],"args":["--vm","1","--vm-bytes","250M","--vm-hang","1"],"resources":{"limits":{"memory":"100Mi"}}}]}}'`)
	require.Equal(t, 0, r.ExitCode, r.Output)
	r = run(t, ctx, "kubectl run chatty --image=busybox -- sh -c 'while :; do echo spam spam spam spam spam spam spam; done'")
	require.Equal(t, 0, r.ExitCode, r.Output)
	waitFor(t, ctx, "the hog OOMKilled", func() bool {
		return strings.Contains(run(t, ctx, "kubectl get pod hog -o jsonpath={.status.containerStatuses[0].lastState.terminated.reason}").Output, "OOMKilled")
	})
	waitFor(t, ctx, "the chatty pod logging", func() bool {
		return run(t, ctx, "kubectl logs chatty --tail=1").Output == "spam spam spam spam spam spam spam\n"
	})
	start = time.Now()
	r = run(t, ctx, "kubectl get pods")
	t.Logf("kubectl get pods beside a spinner, a hog and a chatty pod: %v", time.Since(start))
	assert.Equal(t, 0, r.ExitCode)
	start = time.Now()
	require.Equal(t, 0, run(t, ctx, "kubectl run third --image=busybox --restart=Never -- echo still").ExitCode)
	waitFor(t, ctx, "a third pod to complete", func() bool {
		return regexp.MustCompile(`(?m)^third +0/1 +Completed`).MatchString(run(t, ctx, "kubectl get pod third").Output)
	})
	t.Logf("a pod that echoes, beside the three, completed in %v", time.Since(start))
	assert.Regexp(t, `(?m)^controlplane +Ready`, run(t, ctx, "kubectl get nodes").Output)
	assert.NotRegexp(t, `NotReady`, run(t, ctx, "kubectl get nodes").Output)
}

// typeLine types a command into the terminal and presses Enter, key by
// key as a keyboard does: a keyDown that carries the text (the browser
// makes the keypress and input events from it) and a keyUp.
func typeLine(t *testing.T, ctx context.Context, line string) {
	t.Helper()
	typeKeys(t, ctx, line)
	press(t, ctx, input.DispatchKeyEventParams{Key: "Enter", Code: "Enter", Text: "\r", UnmodifiedText: "\r", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13})
}

// typeKeys types text into the terminal, key by key.
func typeKeys(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, chromedp.Focus(chromedp.CSS(`.xterm-helper-textarea`))))
	for _, r := range text {
		press(t, ctx, input.DispatchKeyEventParams{Key: string(r), Text: string(r), UnmodifiedText: string(r)})
	}
}

func press(t *testing.T, ctx context.Context, key input.DispatchKeyEventParams) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		down := key
		down.Type = input.DispatchKeyEventTypeKeyDown
		if _, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, down); err != nil {
			return chromedp.Void{}, err
		}
		up := key
		up.Type, up.Text, up.UnmodifiedText = input.DispatchKeyEventTypeKeyUp, "", ""
		_, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, up)
		return chromedp.Void{}, err
	}))
	require.NoError(t, err)
}
