package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// transcriptScript is a session whose output does not depend on how fast
// time runs (the browser paces it by the wall clock, kubeplay shell jumps
// ahead), so both must print it byte for byte alike.
var transcriptScript = []string{
	"echo hello | tr a-z A-Z",
	"kubectl get nodes -o name",
	"kubectl get ns -o custom-columns=NAME:.metadata.name,STATUS:.status.phase", // AGE would depend on the pace
	"kubectl create namespace team",
	"kubectl create configmap settings -n team --from-literal=color=blue",
	"kubectl get cm settings -n team -o jsonpath='{.data.color}{\"\\n\"}'",
	"kubectl get pod nope",
	"kubectl bogus",
	"kubectl get pods --bogus",
	"kubectl explain pod.spec.restartPolicy",
	"kubectl api-resources --namespaced=false -o name | sort | head -5",
	"kubectl wait --for=jsonpath={.status.phase}=Active ns/team",
	"kubectl diff -f nope.yaml",
	"kubectl delete namespace team --wait=false",
	"for i in 1 2 3; do echo $((i*i)); done | wc -l",
}

// TestTranscriptSameNativelyAndInTheBrowser runs one script through
// `kubeplay shell` and through the page's terminal (window.kubeplay.exec)
// and compares what they print, each command followed by its status.
func TestTranscriptSameNativelyAndInTheBrowser(t *testing.T) {
	root := repoRoot()
	_, err := os.Stat(filepath.Join(root, "web", "site", "index.html"))
	need(t, err == nil, "the site is not built (make build)")
	kubeplay := filepath.Join(root, "bin", "kubeplay")
	_, err = os.Stat(kubeplay)
	need(t, err == nil, "bin/kubeplay is not built (make build)")

	var script strings.Builder
	for _, line := range transcriptScript {
		fmt.Fprintf(&script, "echo '$ '%s\n%s\necho \"[exit $?]\"\n", shQuote(line), line)
	}
	cmd := exec.Command(kubeplay, "shell")
	cmd.Dir = t.TempDir()
	cmd.Stdin = strings.NewReader(script.String())
	var native bytes.Buffer
	cmd.Stdout, cmd.Stderr = &native, &native
	_ = cmd.Run() // the last command's status is kubeplay's

	url := startServer(t)
	ctx := newBrowser(t)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(`.xterm`))))
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`window.kubeplay.ready.then(() => true)`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	var browser strings.Builder
	for _, line := range transcriptScript {
		browser.WriteString("$ " + line + "\n")
		r := run(t, ctx, line)
		fmt.Fprintf(&browser, "%s[exit %d]\n", r.Output, r.ExitCode)
	}
	require.Contains(t, native.String(), "$ kubectl get pod nope\nError from server (NotFound): pods \"nope\" not found\n[exit 1]\n", "the native transcript is whole")
	assert.Equal(t, native.String(), browser.String())
}

func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
