package e2e

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/share"
)

// Hostile links and text: what a stranger's link or a workload puts in
// front of the page is refused or shown as text, nothing of it runs, and
// the user's own cluster is untouched.

// watchHostile runs before the page's own scripts in every document: it
// counts dialogs (alert, confirm, prompt, print), Content-Security-Policy
// violations (an inline handler or script that got into the DOM) and
// elements that only an injection would add.
const watchHostile = `(() => {
  const h = window.__hostile = { dialogs: [], violations: [], injected: [] };
  for (const f of ['alert', 'confirm', 'prompt', 'print']) window[f] = (m) => { h.dialogs.push(f + ': ' + m); };
  document.addEventListener('securitypolicyviolation', (e) => h.violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')));
  const bad = '[id^="pwn"], [onerror], [onload], [onclick], [onmouseover], img[src="x"], script:not([src]), iframe[srcdoc]';
  new MutationObserver((records) => {
    for (const r of records) for (const n of r.addedNodes) {
      if (n.nodeType !== 1) continue;
      for (const el of [n, ...n.querySelectorAll(bad)]) if (el.matches(bad)) h.injected.push(el.outerHTML.slice(0, 200));
    }
  }).observe(document, { childList: true, subtree: true });
})()`

// The payloads: each would run script, or at least add an element, if it
// reached the page as HTML.
const (
	xssImg    = `<img src=x onerror=alert(1) id=pwn1>`
	xssScript = `<script>alert(2)</script>`
	xssSVG    = `<svg/onload=alert(3) id=pwn3>`
)

func hostileWatch(t *testing.T, ctx context.Context) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: watchHostile})
		return chromedp.Void{}, err
	}))
	require.NoError(t, err)
}

// assertNothingRan checks the watch's record and the DOM as it is now.
func assertNothingRan(t *testing.T, ctx context.Context) {
	t.Helper()
	h := eval[map[string][]string](t, ctx, `window.__hostile`)
	assert.Empty(t, h["dialogs"], "dialogs opened")
	assert.Empty(t, h["violations"], "the Content-Security-Policy stopped something that was injected")
	assert.Empty(t, h["injected"], "elements injected")
	assert.Equal(t, 0, eval[int](t, ctx, `document.querySelectorAll('[id^="pwn"], [onerror], [onload], img[src="x"], script:not([src])').length`))
	// The fragment (a link, a scenario) never reaches the server.
	assert.Equal(t, 0, eval[int](t, ctx, `performance.getEntriesByType('resource').filter(e => /[?&](share|scenario)=/.test(e.name.split('#')[0])).length`))
}

// open navigates afresh (a fragment alone would not reload the page).
func open(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(`.xterm`))))
}

// outcome waits for the page to start or fail, and says which.
func outcome(t *testing.T, ctx context.Context) string {
	t.Helper()
	return eval[string](t, ctx, `window.kubeplay.ready.then(() => 'ready', (e) => 'failed: ' + e.message)`)
}

func zlibLink(t *testing.T, version byte, body []byte) string {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteByte(version)
	w := zlib.NewWriter(&buf)
	_, err := w.Write(body)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return base64.RawURLEncoding.EncodeToString(buf.Bytes())
}

// hostileManifests put the payloads where the page shows cluster text: an
// annotation, a ConfigMap, the logs, an event's reason and message, and an
// image name (which comes back in the kubelet's events).
const hostileManifests = `apiVersion: v1
kind: Pod
metadata:
  name: xss
  annotations:
    note: "` + xssImg + `"
spec:
  containers:
  - name: c
    image: busybox
    command: ["sh", "-c", "echo '` + xssImg + `'; echo '` + xssScript + `'; echo '` + xssSVG + `'; sleep 3600"]
---
apiVersion: v1
kind: Pod
metadata:
  name: badimage
spec:
  containers:
  - name: c
    image: "<img/src=x/onerror=alert(4)/id=pwn4>"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: xss
data:
  page.html: "` + xssScript + xssImg + `"
---
apiVersion: v1
kind: Event
metadata:
  name: xss.1
involvedObject:
  kind: Pod
  name: xss
  namespace: default
reason: "` + xssSVG + `"
message: "` + xssImg + xssScript + `"
type: Warning
`

const hostileScenario = `title: "` + xssImg + `"
description: |
  **` + xssScript + `** and ` + "`" + xssSVG + "`" + ` and _<b id=pwn5>bold</b>_
steps:
  - title: "` + xssSVG + `"
    text: |
      ` + xssImg + `
    code:
      - echo '` + xssImg + `'
    hint: "` + xssScript + `"
`

// hostileLink is a well-formed link whose every text is a payload.
func hostileLink(t *testing.T) string {
	t.Helper()
	l := &share.Link{
		Scenario: hostileScenario,
		Seed:     7,
		Start:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Cluster:  share.Shape{Workers: 2},
		Base:     []share.File{{Path: "x.yaml", Content: hostileManifests}, {Path: xssImg + ".txt", Content: xssScript}},
		Entries:  []share.Entry{{At: time.Second, Line: "kubectl apply -f x.yaml"}, {At: 2 * time.Second, Line: "echo '" + xssImg + "'"}},
	}
	enc, err := share.Encode(l)
	require.NoError(t, err)
	return enc
}

func TestHostileLinks(t *testing.T) {
	ctx, url := openPage(t)
	hostileWatch(t, ctx)
	open(t, ctx, url)
	require.Equal(t, "ready", outcome(t, ctx))
	require.Equal(t, 0, run(t, ctx, "kubectl create configmap mine --from-literal=colour=blue").ExitCode)
	mine := func() string {
		return run(t, ctx, "kubectl get configmaps,deployments,services -A -o name").Output + run(t, ctx, "kubectl get configmap mine -o jsonpath={.data}").Output
	}
	before := mine()
	require.Contains(t, before, `{"colour":"blue"}`)

	valid := hostileLink(t)
	for _, tt := range []struct {
		name, data, want string
	}{
		{"garbage", "!!not*base64~~", "the link is damaged: it is not base64url"},
		{"truncated", valid[:len(valid)/2], "the link is damaged or cut short"},
		{"empty", "", ""},
		{"another version", zlibLink(t, 9, []byte(`{}`)), "the link is of format 9"},
		{"unknown field", zlibLink(t, share.Version, []byte(`{"seed":1,"start":"2026-01-01T00:00:00Z","cluster":{"workers":1},"evil":"`+xssImg+`"}`)), `unknown field "evil"`},
		{"zip bomb", zlibLink(t, share.Version, bytes.Repeat([]byte(" "), share.MaxDecoded+1024)), "inflates to more than 4194304 bytes"},
		{"oversized", strings.Repeat("A", share.MaxEncoded+10), "characters long, more than the 1048576 a link may have"},
		{"script in the link", zlibLink(t, share.Version, []byte(xssScript)), "the link is damaged"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			open(t, ctx, url+"#share="+tt.data)
			got := outcome(t, ctx)
			if tt.want == "" { // an empty link opens the user's cluster
				assert.Equal(t, "ready", got)
			} else {
				assert.Contains(t, got, "failed: the link cannot be opened: ")
				assert.Contains(t, got, tt.want)
				assert.Contains(t, eval[string](t, ctx, `document.getElementById('status').textContent`), "Error: the link cannot be opened")
				waitFor(t, ctx, "the reason in the terminal", func() bool { return strings.Contains(terminalText(t, ctx), "the link cannot be opened") })
			}
			assertNothingRan(t, ctx)
		})
	}
	screenshot(t, ctx, "hostile-link-refused.png")

	// A well-formed link whose every text is a payload: the scenario panel,
	// the terminal, the cluster view, the inspector and the streams show
	// them as text.
	t.Run("payloads", func(t *testing.T) {
		open(t, ctx, url+"#share="+valid)
		require.Equal(t, "ready", outcome(t, ctx))
		until(t, ctx, "the scenario's title as text", `document.body.textContent.includes(`+quoteJS(xssImg)+`)`)
		until(t, ctx, "the xss pod running", `!!document.querySelector('.pod[data-name="xss"][data-status="Running"]')`)
		assert.Equal(t, execResult{Output: xssImg + "\n"}, run(t, ctx, "cat '"+xssImg+".txt' >/dev/null; echo '"+xssImg+"'"))
		waitFor(t, ctx, "the echoed payload in the terminal", func() bool { return strings.Contains(terminalText(t, ctx), xssImg) })
		click(t, ctx, `.pod[data-name="xss"]`)
		for _, tab := range []struct{ id, want string }{
			{"logs", xssSVG}, {"describe", "note: " + xssImg}, {"yaml", "alert(1) id=pwn1"}, {"why", "Running"},
		} {
			click(t, ctx, `#inspector-tab-`+tab.id)
			until(t, ctx, "the "+tab.id+" tab", `document.getElementById('inspector-body').textContent.includes(`+quoteJS(tab.want)+`)`)
		}
		click(t, ctx, `#inspector-close`)
		// The event stream shows the Event's reason and message as text.
		click(t, ctx, `[role=tab][data-view="events"]`)
		until(t, ctx, "the hostile event in the stream", `document.querySelector('#cluster-views').textContent.includes(`+quoteJS(xssSVG)+`) && document.querySelector('#cluster-views').textContent.includes(`+quoteJS(xssImg+xssScript)+`)`)
		// The ConfigMap's data (the view does not draw ConfigMaps; the
		// terminal prints them).
		r := run(t, ctx, "kubectl get configmap xss -o jsonpath='{.data.page\\.html}{\"\\n\"}'")
		assert.Equal(t, execResult{Output: xssScript + xssImg + "\n"}, r)
		click(t, ctx, `[role=tab][data-view="arch"]`)
		time.Sleep(time.Second)
		screenshot(t, ctx, "hostile-payloads.png")
		assertNothingRan(t, ctx)
	})

	// Back at the user's own cluster: nothing that was opened changed it.
	open(t, ctx, url)
	require.Equal(t, "ready", outcome(t, ctx))
	assert.Equal(t, before, mine())
	assertNothingRan(t, ctx)
}
