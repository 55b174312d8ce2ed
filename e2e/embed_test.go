package e2e

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// docsPage is a documentation page of another origin that embeds the
// playground twice, as docs/embed.md shows.
const docsPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Docs</title>
<script src="%[1]s/embed.js"></script></head>
<body>
<h1>Deployments</h1>
<kube-playground id="cmds" height="420" view="terminal">
  kubectl create deployment web --image=busybox --replicas=2 -- sleep 3600
</kube-playground>
<kube-playground id="scn" height="420" view="terminal,cluster" theme="dark" scenario="/scenario.yaml"></kube-playground>
<iframe id="plain" title="plain" width="600" height="300" src="%[1]s/embed.html#commands=kubectl%%20get%%20nodes"></iframe>
</body></html>`

const docsScenario = `title: A pod
steps:
  - title: Run a pod
    code: [kubectl run hello --image=busybox -- sleep 3600]
    check: {object: pod/hello, condition: Ready}
`

// serveDocs serves the documentation page on another origin (localhost
// rather than 127.0.0.1) than the playground's.
func serveDocs(t *testing.T, playground string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, docsPage, playground)
	})
	mux.HandleFunc("/scenario.yaml", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, docsScenario) })
	srv := &http.Server{Handler: mux}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
}

// TestEmbed: <kube-playground> on a page of another origin loads only when
// started, runs its commands, answers exec, reports a scenario's step when
// its check holds, and ignores messages of the wrong shape; the plain
// iframe form runs its commands too; a share link opens the same cluster
// in a fresh browser.
func TestEmbed(t *testing.T) {
	_, err := os.Stat(filepath.Join(repoRoot(), "web", "site", "embed.js"))
	need(t, err == nil, "the site is not built (make build)")
	play := strings.TrimSuffix(startServer(t), "/")
	docs := serveDocs(t, play)
	ctx := newBrowser(t)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(docs), chromedp.WaitReady(chromedp.CSS(`#cmds`))))
	until(t, ctx, "the element to be defined", `!!customElements.get('kube-playground')`)

	// Lazy: a button, no iframe, until the reader clicks.
	assert.True(t, eval[bool](t, ctx, `!document.getElementById('cmds').shadowRoot.querySelector('iframe') && !!document.getElementById('cmds').shadowRoot.querySelector('button')`))
	assert.Equal(t, 420.0, eval[float64](t, ctx, `document.getElementById('cmds').getBoundingClientRect().height`))
	screenshot(t, ctx, "embed-idle.png")

	eval[bool](t, ctx, `window.steps = []; document.getElementById('scn').addEventListener('kubeplay-step', e => steps.push(e.detail.step)); true`)
	eval[bool](t, ctx, `document.getElementById('cmds').shadowRoot.querySelector('button').click(), true`)
	frame := eval[map[string]any](t, ctx, `(() => { const f = document.getElementById('cmds').shadowRoot.querySelector('iframe'); return {sandbox: f.getAttribute('sandbox'), src: f.src}; })()`)
	assert.Equal(t, "allow-scripts allow-same-origin", frame["sandbox"])
	assert.True(t, strings.HasPrefix(frame["src"].(string), play+"/embed.html#origin="+url.QueryEscape(docs)), frame["src"])

	info := eval[map[string]any](t, ctx, `document.getElementById('cmds').ready`)
	assert.Equal(t, 3.0, info["nodes"])
	// The element's commands ran before ready; exec comes after them.
	r := eval[execResult](t, ctx, `document.getElementById('cmds').exec('kubectl get deployment web -o name')`)
	assert.Equal(t, execResult{Output: "deployment.apps/web\n"}, r)
	r = eval[execResult](t, ctx, `document.getElementById('cmds').exec('kubectl get pod nope')`)
	assert.Equal(t, execResult{Output: "Error from server (NotFound): pods \"nope\" not found\n", ExitCode: 1}, r)

	// Messages of the wrong shape are ignored: the deployment stays.
	eval[bool](t, ctx, `(() => { const w = document.getElementById('cmds').shadowRoot.querySelector('iframe').contentWindow;
		w.postMessage({kubeplay: 1, type: 'exec', id: -1, line: 'kubectl delete deployment web'}, '*');
		w.postMessage({type: 'exec', id: 5, line: 'kubectl delete deployment web'}, '*');
		w.postMessage({kubeplay: 1, type: 'exec', id: 6, line: 'kubectl delete deployment web\nx'}, '*');
		return true; })()`)
	r = eval[execResult](t, ctx, `document.getElementById('cmds').exec('kubectl get deployment web -o name')`)
	assert.Equal(t, "deployment.apps/web\n", r.Output)
	assert.Equal(t, 1, eval[int](t, ctx, `document.getElementById('cmds').exec('echo "x" | kubectl apply -f -').then(r => r.exitCode)`))

	// A share link of this session, opened in a fresh browser, is the same cluster.
	link := eval[execResult](t, ctx, `document.getElementById('cmds').exec('kubeplay share 2>/dev/null')`)
	require.Equal(t, 0, link.ExitCode)
	require.True(t, strings.HasPrefix(link.Output, play+"/#share="), link.Output)
	pods := eval[execResult](t, ctx, `document.getElementById('cmds').exec('kubectl get pods -o name')`).Output

	// The scenario, loaded from the docs site: its step's check holds once
	// the step's code has run.
	eval[bool](t, ctx, `document.getElementById('scn').start(), true`)
	eval[map[string]any](t, ctx, `document.getElementById('scn').ready`)
	eval[execResult](t, ctx, `document.getElementById('scn').exec('kubectl run hello --image=busybox -- sleep 3600')`)
	until(t, ctx, "the scenario's step to pass", `steps.includes(0)`)

	fresh := newBrowser(t)
	require.NoError(t, chromedp.Do(fresh, chromedp.Navigate(strings.TrimSpace(link.Output)), chromedp.WaitVisible(chromedp.CSS(`.xterm`))))
	waitReady(t, fresh)
	assert.Equal(t, pods, run(t, fresh, "kubectl get pods -o name").Output, "the replayed cluster has the same pods")
	screenshot(t, fresh, "share-opened.png")
	// The playground offers the gallery from its header.
	until(t, fresh, "the gallery in the header", `Array.from(document.querySelectorAll('#scenario-pick option')).some(o => o.value === 'pods' && o.textContent === 'Pods and containers')`)

	// The plain iframe form, as a page of its own: only the terminal and
	// the cluster, the commands run.
	plain := newBrowser(t)
	require.NoError(t, chromedp.Do(plain, chromedp.Navigate(play+"/embed.html#view=terminal&commands=kubectl%20get%20nodes"), chromedp.WaitVisible(chromedp.CSS(`.xterm`))))
	waitReady(t, plain)
	waitFor(t, plain, "the commands' output", func() bool { return nodesTable.MatchString(terminalText(t, plain)) })
	assert.True(t, eval[bool](t, plain, `document.getElementById('pane-editor').offsetParent === null && document.getElementById('pane-cluster').offsetParent === null && document.getElementById('pane-terminal').offsetParent !== null`))
	screenshot(t, plain, "embed-plain.png")
	screenshot(t, ctx, "embed-running.png")
}
