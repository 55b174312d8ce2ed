package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto"
	"github.com/chromedp/cdproto/cdp"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// IndexedDB unavailable: a private window, a sandboxed iframe, a locked-down
// webview. Headless Chromium has no switch that refuses IndexedDB, so the
// test takes it away itself, in the page and in every worker before any of
// its code runs, in the ways browsers refuse it.

// refusals are the ways a browser refuses IndexedDB, as JavaScript that
// replaces self.indexedDB in a page or a worker.
var refusals = []struct{ name, js string }{
	// Chromium in an opaque origin (a sandboxed iframe, a data: URL):
	// reading indexedDB throws a SecurityError.
	{"denied", `Object.defineProperty(self, 'indexedDB', {configurable: true, get() {
		throw new DOMException("Failed to read the 'indexedDB' property: access to the Indexed Database API is denied in this context.", 'SecurityError');
	}})`},
	// A browser or webview without IndexedDB.
	{"absent", `Object.defineProperty(self, 'indexedDB', {configurable: true, value: undefined})`},
	// Firefox's private windows before version 115: indexedDB is there,
	// and every open fails with an InvalidStateError.
	{"open fails", `(() => {
		const fail = () => {
			// A request as the browser makes one: an EventTarget that is an
			// IDBOpenDBRequest, whose on* handlers are its own.
			const req = Object.setPrototypeOf(new EventTarget(), IDBOpenDBRequest.prototype);
			for (const on of ['onsuccess', 'onerror', 'onblocked', 'onupgradeneeded']) Object.defineProperty(req, on, {writable: true, value: null});
			setTimeout(() => {
				Object.defineProperty(req, 'error', {value: new DOMException('A mutation operation was attempted on a database that did not allow mutations.', 'InvalidStateError')});
				const ev = new Event('error');
				req.dispatchEvent(ev);
				req.onerror?.(ev);
			});
			return req;
		};
		Object.defineProperty(self, 'indexedDB', {configurable: true, value: {open: fail, deleteDatabase: fail, cmp: (a, b) => (a < b ? -1 : a > b ? 1 : 0)}});
	})()`},
}

// withoutIndexedDB is the connection to the browser: chromedp's own
// auto-attach (to the workers a page starts) is asked to hold each new
// target before its first line runs; the connection then replaces
// self.indexedDB there and lets it run. The page is patched by
// Page.addScriptToEvaluateOnNewDocument.
type withoutIndexedDB struct {
	chromedp.Transport
	refusal string

	mu      sync.Mutex
	next    int64
	workers []string // the URLs of the workers refused IndexedDB
	errs    []string
}

// ids of the connection's own commands, far above chromedp's and within
// the 32 bits the browser reads.
const ownIDs = int64(1) << 30

func (c *withoutIndexedDB) Write(ctx context.Context, msg *cdproto.Message) error {
	if msg.Method == cdproto.MethodType(target.SetAutoAttach.Method) {
		var p target.SetAutoAttachParams
		if err := jsonv2.Unmarshal(msg.Params, &p); err != nil {
			return err
		}
		p.WaitForDebuggerOnStart = true
		b, err := jsonv2.Marshal(p)
		if err != nil {
			return err
		}
		msg.Params = b
	}
	return c.Transport.Write(ctx, msg)
}

func (c *withoutIndexedDB) Read(ctx context.Context, msg *cdproto.Message) error {
	for {
		*msg = cdproto.Message{} // a read fills in only the fields the message has
		if err := c.Transport.Read(ctx, msg); err != nil {
			return err
		}
		switch {
		case msg.ID >= ownIDs:
			c.mu.Lock()
			if msg.Error != nil {
				c.errs = append(c.errs, msg.Error.Error())
			} else if strings.Contains(string(msg.Result), "exceptionDetails") {
				c.errs = append(c.errs, string(msg.Result))
			}
			c.mu.Unlock()
			continue // the reply to the connection's own command
		case msg.Method == cdproto.MethodType(target.AttachedToTarget.Method):
			var ev target.EventAttachedToTarget
			if err := jsonv2.Unmarshal(msg.Params, &ev); err != nil {
				return err
			}
			if ev.WaitingForDebugger {
				if err := c.release(ctx, ev); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

// release refuses IndexedDB in a held worker and lets it run. The browser
// runs a session's commands in order, so the worker's first line meets
// the refusal.
func (c *withoutIndexedDB) release(ctx context.Context, ev target.EventAttachedToTarget) error {
	var cmds []*cdproto.Message
	if strings.Contains(string(ev.TargetInfo.Type), "worker") {
		b, err := jsonv2.Marshal(runtime.EvaluateParams{Expression: c.refusal})
		if err != nil {
			return err
		}
		cmds = append(cmds, &cdproto.Message{Method: cdproto.MethodType(runtime.Evaluate.Method), Params: b})
		c.mu.Lock()
		c.workers = append(c.workers, ev.TargetInfo.URL)
		c.mu.Unlock()
	}
	cmds = append(cmds, &cdproto.Message{Method: cdproto.MethodType(runtime.RunIfWaitingForDebugger.Method), Params: jsonv2.Value("{}")})
	for _, cmd := range cmds {
		c.mu.Lock()
		c.next++
		cmd.ID = ownIDs + c.next
		c.mu.Unlock()
		cmd.SessionID = ev.SessionID
		if err := c.Transport.Write(ctx, cmd); err != nil {
			return err
		}
	}
	return nil
}

func (c *withoutIndexedDB) report() (workers, errs []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.workers...), append([]string(nil), c.errs...)
}

// openWithoutIndexedDB opens the page in a browser that refuses IndexedDB
// in the way given.
func openWithoutIndexedDB(t *testing.T, refusal string) (context.Context, *withoutIndexedDB) {
	t.Helper()
	conn := &withoutIndexedDB{refusal: refusal}
	ctx := newBrowser(t, chromedp.WithDialer(func(ctx context.Context, wsURL string) (chromedp.Transport, error) {
		tr, err := remote.DialContext(ctx, wsURL)
		if err != nil {
			return nil, err
		}
		conn.Transport = tr
		return conn, nil
	}))
	_, err := chromedp.Run(ctx, chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: refusal})
		return chromedp.Void{}, err
	}))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(startServer(t)), chromedp.WaitVisible(chromedp.CSS(`.xterm`))))
	return ctx, conn
}

// Without IndexedDB the cluster runs in memory, says so in the terminal and
// the notice, works as usual, and a reset works; a reload starts afresh.
func TestIndexedDBUnavailable(t *testing.T) {
	_, err := os.Stat(filepath.Join(repoRoot(), "web", "site", "index.html"))
	need(t, err == nil, "the site is not built (make build)")
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			ctx, conn := openWithoutIndexedDB(t, r.js)
			info := waitReady(t, ctx)
			workers, errs := conn.report()
			require.Empty(t, errs, "refusing IndexedDB in the workers")
			require.NotEmpty(t, workers, "the engine's worker was refused IndexedDB")
			assert.NotEqual(t, "[object IDBFactory]", eval[string](t, ctx, `(() => { try { return String(self.indexedDB) } catch (e) { return e.name } })()`), "the page has no IndexedDB either")
			assert.Equal(t, true, info["memory"], "the cluster runs in memory")
			assert.Equal(t, false, info["restored"])
			const said = "This browser does not let the page keep data"
			waitFor(t, ctx, "the notice", func() bool { return strings.Contains(noticeText(t, ctx), said) })
			// xterm.js draws what is written at its next frames, so the
			// warning written with the notice may show a moment after it.
			waitFor(t, ctx, "the warning in the terminal", func() bool {
				return strings.Contains(terminalText(t, ctx), "Warning: This browser does not let the page keep data (")
			})
			screenshot(t, ctx, fmt.Sprintf("storage-no-indexeddb-%s.png", strings.ReplaceAll(r.name, " ", "-")))

			// The cluster works: nodes Ready, objects kept, a pod runs.
			assert.Regexp(t, nodesTable, run(t, ctx, "kubectl get nodes").Output)
			require.Equal(t, 0, run(t, ctx, "kubectl create configmap kept --from-literal=a=b").ExitCode)
			require.Equal(t, 0, run(t, ctx, "echo hello > note.txt").ExitCode)
			require.Equal(t, 0, run(t, ctx, "kubectl run once --image=busybox --restart=Never -- echo done").ExitCode)
			waitFor(t, ctx, "the pod to complete", func() bool {
				return strings.Contains(run(t, ctx, "kubectl get pod once").Output, "Completed")
			})
			assert.Equal(t, "done\n", run(t, ctx, "kubectl logs once").Output)
			assert.Equal(t, "hello\n", run(t, ctx, "cat note.txt").Output)

			// Reset: the page deletes the saved cluster (there is none) and
			// starts a fresh one, still in memory.
			click(t, ctx, `#reset`)
			info = waitReady(t, ctx)
			assert.Equal(t, true, info["memory"])
			assert.Contains(t, run(t, ctx, "kubectl get configmap kept").Output, `configmaps "kept" not found`)
			assert.Regexp(t, nodesTable, run(t, ctx, "kubectl get nodes").Output)

			// A reload: nothing was kept, as the notice said.
			require.NoError(t, chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`.xterm`))))
			info = waitReady(t, ctx)
			assert.Equal(t, true, info["memory"])
			assert.Equal(t, false, info["restored"])
			assert.Equal(t, 1, run(t, ctx, "test -f note.txt").ExitCode, "the files lasted until the page closed")
			workers, errs = conn.report()
			assert.Empty(t, errs)
			assert.GreaterOrEqual(t, len(workers), 3, "each start's worker was refused IndexedDB: %v", workers)
		})
	}
}
