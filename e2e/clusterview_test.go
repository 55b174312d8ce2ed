package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The cluster pane: the architecture picture with the path of a change,
// the owner trees through a rollout, the inspector's "why", the event and
// request streams, and node actions.
func TestClusterView(t *testing.T) {
	ctx, _ := openPage(t)
	until(t, ctx, "three Ready nodes", `document.querySelectorAll('.node[data-state="ok"]').length === 3`)
	text := func(sel string) string {
		return eval[string](t, ctx, `Array.from(document.querySelectorAll(`+quoteJS(sel)+`)).map(e => e.textContent).join('\n')`)
	}
	tab := func(view string) {
		click(t, ctx, `[role=tab][data-view="`+view+`"]`)
		until(t, ctx, view+" selected", `document.querySelector('[data-view="`+view+`"]').getAttribute('aria-selected') === 'true'`)
	}

	t.Run("architecture", func(t *testing.T) {
		tab("arch")
		// Redraws patch the view in place: the nodes' boxes stay the same
		// elements while pods come (morph).
		eval[bool](t, ctx, `(document.querySelectorAll('.node').forEach(n => n.kept = true), true)`)
		require.Equal(t, 0, run(t, ctx, "kubectl create deployment web --image=registry.k8s.io/pause --replicas=2").ExitCode)
		// The path is drawn: arrows from the component to the API server
		// and on to etcd, for a while after each request.
		until(t, ctx, "arrows kubectl → kube-apiserver → etcd", `!!document.querySelector('svg.arrows line[data-from="kubectl"][data-to="kube-apiserver"]') && !!document.querySelector('svg.arrows line[data-from="kube-apiserver"][data-to="etcd"]')`)
		until(t, ctx, "an arrow from a node's kubelet", `!!document.querySelector('svg.arrows line[data-from^="kubelet/"][data-to="kube-apiserver"]')`)
		// The boxes a request passes through light up for a moment.
		until(t, ctx, "a node's kubelet box lit", `!!document.querySelector('.node [data-box^="kubelet/"].hit')`)
		until(t, ctx, "the API server's box lit", `!!document.querySelector('[data-box="kube-apiserver"].hit')`)
		until(t, ctx, "two Running web pods on nodes", `document.querySelectorAll('.node .pod[data-name^="web-"][data-status="Running"]').length === 2`)
		assert.True(t, eval[bool](t, ctx, `Array.from(document.querySelectorAll('.node')).every(n => n.kept)`), "the node boxes were drawn anew")
		path := text(".path li")
		assert.Contains(t, path, "kubectl → kube-apiserver → etcd: create deployments.apps default/web")
		assert.Contains(t, path, "kube-controller-manager → kube-apiserver → etcd: create replicasets.apps default/web-")
		assert.Contains(t, path, "kube-scheduler → kube-apiserver → etcd: create pods/binding default/web-")
		assert.Contains(t, text(".cp .box"), "kube-apiserver")
		screenshot(t, ctx, "view-architecture.png")
	})

	t.Run("objects", func(t *testing.T) {
		tab("objects")
		rsUnder := `document.querySelectorAll('.tree li[data-kind="Deployment"][data-name="web"] > ul > li[data-kind="ReplicaSet"]')`
		until(t, ctx, "the ReplicaSet and its pods under the Deployment", rsUnder+`.length === 1 && `+rsUnder+`[0].querySelectorAll('li[data-kind="Pod"]').length === 2`)
		// A rollout: a new ReplicaSet takes the pods, the old one keeps none.
		require.Equal(t, 0, run(t, ctx, "kubectl rollout restart deployment web").ExitCode)
		until(t, ctx, "two ReplicaSets, the new one with the pods", rsUnder+`.length === 2 && Array.from(`+rsUnder+`).some(li => li.textContent.includes('0 desired (old)') && !li.querySelector('li[data-kind="Pod"]'))`)
		screenshot(t, ctx, "view-objects.png")
		until(t, ctx, "the new ReplicaSet ready", `Array.from(`+rsUnder+`).some(li => li.querySelector('.obj').textContent.includes('2/2 ready') && li.querySelectorAll('li[data-kind="Pod"]').length === 2)`)
	})

	t.Run("why pending", func(t *testing.T) {
		tab("arch")
		require.Equal(t, 0, run(t, ctx, `kubectl run huge --image=registry.k8s.io/pause --overrides='{"spec":{"containers":[{"name":"huge","image":"registry.k8s.io/pause","resources":{"requests":{"cpu":"64"}}}]}}'`).ExitCode)
		until(t, ctx, "huge waiting for a node", `!!document.querySelector('.node-none .pod[data-name="huge"]')`)
		clickUntil(t, ctx, `.node-none .pod[data-name="huge"]`, "huge inspected", `document.getElementById('inspector-title').textContent === 'Pod default/huge' && !document.getElementById('inspector').hidden`)
		defer func() {
			if t.Failed() {
				t.Logf("the inspector shows:\n%s", text("#inspector-body"))
			}
		}()
		until(t, ctx, "the scheduler's verdicts", `document.querySelectorAll('#inspector .explain tbody tr').length === 3`)
		assert.Equal(t, "Pod default/huge", text("#inspector-title"))
		why := text("#inspector-body")
		assert.Contains(t, why, "The pod is not scheduled to any node yet")
		assert.Contains(t, why, "0/3 nodes are available")
		assert.Contains(t, why, "NodeResourcesFit: Insufficient cpu")
		screenshot(t, ctx, "inspector-why-pending.png")
		click(t, ctx, `#inspector-tab-describe`)
		until(t, ctx, "describe", `document.getElementById('inspector-body').textContent.includes('FailedScheduling')`)
		click(t, ctx, `#inspector-tab-yaml`)
		until(t, ctx, "yaml", `document.getElementById('inspector-body').textContent.includes('cpu: "64"')`)
		click(t, ctx, `#inspector-close`)
	})

	t.Run("why crash loop", func(t *testing.T) {
		// Logs are text, never HTML.
		require.Equal(t, 0, run(t, ctx, `kubectl run crash --image=busybox -- sh -c 'echo "<img src=x id=pwned> bye"; exit 3'`).ExitCode)
		until(t, ctx, "crash restarted", `!!document.querySelector('.pod[data-name="crash"] .restarts')`)
		clickUntil(t, ctx, `.pod[data-name="crash"]`, "crash inspected", `document.getElementById('inspector-title').textContent === 'Pod default/crash' && !document.getElementById('inspector').hidden`)
		click(t, ctx, `#inspector-tab-why`)
		until(t, ctx, "the last exit and logs", `document.getElementById('inspector-body').textContent.includes('<img src=x id=pwned> bye')`)
		assert.Contains(t, text("#inspector-body"), "last run ended with exit code 3 (Error)")
		assert.False(t, eval[bool](t, ctx, `!!document.getElementById('pwned')`))
		screenshot(t, ctx, "inspector-why-crash.png")
		click(t, ctx, `#inspector-tab-logs`)
		until(t, ctx, "the logs tab", `document.getElementById('inspector-body').textContent.includes('pod/crash') && document.getElementById('inspector-body').textContent.includes('<img src=x id=pwned> bye')`)
		click(t, ctx, `#inspector-close`)
	})

	t.Run("events", func(t *testing.T) {
		tab("events")
		until(t, ctx, "events", `document.querySelectorAll('.stream tbody tr').length > 3`)
		require.NoError(t, setInput(ctx, `[data-key="filter:events"]`, "failedscheduling"))
		until(t, ctx, "only FailedScheduling", `(() => { const rows = Array.from(document.querySelectorAll('.stream tbody tr')); return rows.length > 0 && rows.every(r => r.cells[2].textContent === 'FailedScheduling' && r.cells[1].textContent === '⚠ Warning') })()`)
		screenshot(t, ctx, "view-events.png")
	})

	t.Run("requests", func(t *testing.T) {
		tab("requests")
		require.Equal(t, 0, run(t, ctx, "kubectl scale deployment web --replicas=3").ExitCode)
		require.NoError(t, setInput(ctx, `[data-key="filter:requests"]`, "binding"))
		until(t, ctx, "bindings by the scheduler", `(() => { const rows = Array.from(document.querySelectorAll('.stream tbody tr')); return rows.length > 0 && rows.every(r => r.cells[1].textContent === 'default-scheduler' && r.cells[3].textContent === 'pods/binding') })()`)
		require.NoError(t, setInput(ctx, `[data-key="filter:requests"]`, "kubectl"))
		defer func() {
			if t.Failed() {
				t.Logf("rows:\n%s", text(".stream tbody tr"))
			}
		}()
		until(t, ctx, "kubectl's scale", `Array.from(document.querySelectorAll('.stream tbody tr')).some(r => /^(patch|update)$/.test(r.cells[2].textContent) && /^deployments\.apps(\/scale)?$/.test(r.cells[3].textContent))`)
		screenshot(t, ctx, "view-requests.png")
	})

	// Every control answers the keyboard: the views' tabs move with the
	// arrows, Enter opens the inspector, Escape closes it and gives the
	// focus back.
	t.Run("keyboard", func(t *testing.T) {
		tab("arch")
		require.NoError(t, chromedp.Do(ctx, chromedp.Focus(chromedp.CSS(`#view-tab-arch`))))
		press(t, ctx, input.DispatchKeyEventParams{Key: "ArrowRight", Code: "ArrowRight", WindowsVirtualKeyCode: 39})
		until(t, ctx, "the objects view, focused", `document.activeElement.id === 'view-tab-objects' && document.activeElement.getAttribute('aria-selected') === 'true'`)
		press(t, ctx, input.DispatchKeyEventParams{Key: "ArrowLeft", Code: "ArrowLeft", WindowsVirtualKeyCode: 37})
		until(t, ctx, "the architecture again", `document.activeElement.id === 'view-tab-arch'`)
		until(t, ctx, "a web pod", `!!document.querySelector('.pod[data-name^="web-"]')`)
		require.NoError(t, chromedp.Do(ctx, chromedp.Focus(chromedp.CSS(`.pod[data-name^="web-"]`))))
		key := eval[string](t, ctx, `document.activeElement.dataset.key`)
		press(t, ctx, input.DispatchKeyEventParams{Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, Text: "\r"})
		until(t, ctx, "the inspector, its tab focused", `!document.getElementById('inspector').hidden && document.activeElement.getAttribute('role') === 'tab'`)
		press(t, ctx, input.DispatchKeyEventParams{Key: "Escape", Code: "Escape", WindowsVirtualKeyCode: 27})
		until(t, ctx, "the inspector closed, the pod focused again", `document.getElementById('inspector').hidden && document.activeElement.dataset.key === `+quoteJS(key))
	})

	// A rollout that cannot finish says so in its conditions.
	t.Run("why stuck rollout", func(t *testing.T) {
		require.Equal(t, 0, run(t, ctx, "kubectl create deployment stuck --image=example.com/no-such-image").ExitCode)
		require.Equal(t, 0, run(t, ctx, `kubectl patch deployment stuck -p '{"spec":{"progressDeadlineSeconds":5}}'`).ExitCode)
		require.Equal(t, 0, run(t, ctx, "kubeplay speed 100").ExitCode)
		tab("objects")
		click(t, ctx, `.tree li[data-kind="Deployment"][data-name="stuck"] > .obj`)
		click(t, ctx, `#inspector-tab-why`)
		until(t, ctx, "the stuck condition", `document.getElementById('inspector-body').textContent.includes('The rollout is stuck: ReplicaSet "stuck-')`)
		assert.Contains(t, text("#inspector-body"), "✕ Progressing=False (ProgressDeadlineExceeded)")
		screenshot(t, ctx, "inspector-why-stuck.png")
		click(t, ctx, `#inspector-close`)
		require.Equal(t, 0, run(t, ctx, "kubeplay speed 1").ExitCode)
	})

	t.Run("node actions", func(t *testing.T) {
		tab("arch")
		click(t, ctx, `.node[data-name="node02"] [data-key="node:node02:Cordon"]`)
		waitFor(t, ctx, "kubectl cordon in the terminal", func() bool {
			return strings.Contains(terminalText(t, ctx), "$ kubectl cordon node02\nnode/node02 cordoned")
		})
		until(t, ctx, "node02 cordoned in the view", `document.querySelector('.node[data-name="node02"] .node-status').textContent === 'Ready,SchedulingDisabled'`)
		click(t, ctx, `.node[data-name="node02"] [data-key="node:node02:Uncordon"]`)
		until(t, ctx, "node02 schedulable", `document.querySelector('.node[data-name="node02"] .node-status').textContent === 'Ready'`)
		click(t, ctx, `[data-key="add-node"]`)
		until(t, ctx, "a fourth node, Ready", `document.querySelectorAll('.node[data-state="ok"]').length === 4`)
		screenshot(t, ctx, "view-nodes.png")
	})

	t.Run("usage", func(t *testing.T) {
		tab("arch")
		// The metrics server scrapes every 15 s: let virtual time run.
		require.Equal(t, 0, run(t, ctx, "kubeplay speed 100").ExitCode)
		until(t, ctx, "CPU and memory meters on the nodes", `document.querySelectorAll('.node .usage meter').length >= 6`)
		until(t, ctx, "a pod's use in its label", `Array.from(document.querySelectorAll('.node .pod[data-name^="web-"]')).some(b => /; CPU \d+m · memory \d+Mi$/.test(b.getAttribute('aria-label')))`)
		require.Equal(t, 0, run(t, ctx, "kubeplay speed 1").ExitCode)
		assert.Regexp(t, `CPU \d+m \(\d+%\) · memory \d+Mi \(\d+%\)`, text(".node .usage span"))
	})

	t.Run("history", func(t *testing.T) {
		tab("arch")
		webPods := `document.querySelectorAll('.node .pod[data-name^="web-"]').length`
		// The moment to come back to: the timeline's end and what the view shows then.
		then := eval[[]int](t, ctx, `[Number(document.querySelector('#history-range').max), `+webPods+`]`)
		require.Equal(t, 0, run(t, ctx, "kubectl scale deployment web --replicas=5").ExitCode)
		until(t, ctx, "five Running web pods", `document.querySelectorAll('.node .pod[data-name^="web-"][data-status="Running"]').length === 5`)
		require.NoError(t, setInput(ctx, "#history-range", strconv.Itoa(then[0])))
		until(t, ctx, "the view as it was, read-only", `document.querySelector('#pane-cluster').classList.contains('past') && `+webPods+` === `+strconv.Itoa(then[1]))
		assert.Contains(t, text("#history-time"), "(read-only)")
		assert.True(t, eval[bool](t, ctx, `document.querySelector('[data-key="add-node"]').disabled`), "no actions on the past")
		screenshot(t, ctx, "view-history.png")
		click(t, ctx, "#history-now")
		until(t, ctx, "now again", `!document.querySelector('#pane-cluster').classList.contains('past') && `+webPods+` === 5`)
		assert.Equal(t, "now", text("#history-time"))
	})

	// Past 60 nodes and 600 pods the view aggregates: nodes as tiles,
	// pods counted by status on their node.
	t.Run("many", func(t *testing.T) {
		tab("arch")
		for _, line := range []string{
			"kubeplay node add --fake --count 60",
			"kubectl create deployment many --image=registry.k8s.io/pause --replicas=0",
			`kubectl patch deployment many -p '{"spec":{"template":{"spec":{"tolerations":[{"key":"kwok.x-k8s.io/node","operator":"Exists","effect":"NoSchedule"}]}}}}'`,
			"kubeplay speed max",
		} {
			require.Equal(t, 0, run(t, ctx, line).ExitCode, line)
		}
		until(t, ctx, "node tiles", `document.querySelectorAll('.node.node-tile').length === 64 && !document.querySelector('.node .node-actions')`)
		assert.Contains(t, text(".compact-note"), "64 nodes and ")
		require.Equal(t, 0, run(t, ctx, "kubectl scale deployment many --replicas=640").ExitCode)
		until(t, ctx, "pods counted, not drawn", `!document.querySelector('.node .pod') && document.querySelectorAll('.pod-counts').length > 60`)
		until(t, ctx, "640 Running pods counted", `Array.from(document.querySelectorAll('.pod-counts [data-status="Running"]')).reduce((n, e) => n + Number(/(\d+) Running/.exec(e.textContent)[1]), 0) >= 640`)
		assert.Contains(t, text(".compact-note"), "pods are counted by status on their node")
		screenshot(t, ctx, "view-many.png")
		// A tile whose node and pods did not change is kept as it is
		// through the redraws (the view makes only the tiles that did).
		// (A redraw that made it again would take off an attribute it
		// does not make.)
		eval[bool](t, ctx, `(document.querySelector('.node-tile[data-name="node63"]').setAttribute('data-kept', ''), true)`)
		eval[bool](t, ctx, `new Promise((ok) => setTimeout(() => ok(true), 1500))`)
		assert.True(t, eval[bool](t, ctx, `document.querySelector('.node-tile[data-name="node63"]').hasAttribute('data-kept')`), "node63's tile was made again")
		// A tile opens its node in the inspector.
		clickUntil(t, ctx, `.node-tile[data-name="node01"] h3 button`, "node01 inspected", `document.getElementById('inspector-title').textContent === 'Node node01'`)
		require.Equal(t, 0, run(t, ctx, "kubeplay speed 1").ExitCode)
	})
}

// setInput types a value into an input as the user would (an input event).
func setInput(ctx context.Context, sel, value string) error {
	_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const el = document.querySelector(`+quoteJS(sel)+`); el.focus(); el.value = `+quoteJS(value)+`; el.dispatchEvent(new Event('input', {bubbles: true})); return true })()`))
	return err
}
