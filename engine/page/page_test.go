package page

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"testing"

	"github.com/hack-pad/hackpadfs/mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/cluster"
	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/engine/session"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

type fixture struct {
	t    *testing.T
	s    *session.Session
	page *Page
	next int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	home, err := mem.NewFS()
	require.NoError(t, err)
	require.NoError(t, home.Mkdir("root", 0o755))
	s, err := session.New(session.Config{
		Cluster: cluster.Config{Seed: 1, Workers: 2, Modules: runtime.NewFSSource(wasmtest.Modules(t))},
		FS:      home, Dir: "/root",
	})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return &fixture{t: t, s: s, page: New(Config{Session: s, Home: home})}
}

// call sends a request and decodes its result into out (unless nil); it
// returns the error the page answered.
func (f *fixture) call(op string, args any, out any) string {
	f.t.Helper()
	f.next++
	a, err := json.Marshal(args)
	require.NoError(f.t, err)
	msg, err := json.Marshal(map[string]any{"id": f.next, "op": op, "args": json.RawMessage(a)})
	require.NoError(f.t, err)
	r := f.page.Handle(msg)
	require.Equal(f.t, f.next, r.ID)
	if r.Error == "" && out != nil {
		b, err := json.Marshal(r.Result)
		require.NoError(f.t, err)
		require.NoError(f.t, json.Unmarshal(b, out))
	}
	return r.Error
}

func (f *fixture) run(line string) string {
	f.t.Helper()
	var out bytes.Buffer
	code := f.s.Exec(context.Background(), line, &out, &out)
	require.Equal(f.t, 0, code, "%s: %s", line, out.String())
	return out.String()
}

func (f *fixture) flush() Batch {
	f.t.Helper()
	var b Batch
	if data := f.page.Flush(); data != nil {
		require.NoError(f.t, json.Unmarshal(data, &b))
	}
	return b
}

func TestMessageShape(t *testing.T) {
	f := newFixture(t)
	for msg, want := range map[string]string{
		`nope`:                                 "bad request: invalid character",
		`{"id": 1, "op": "clock", "extra": 1}`: `bad request: json: unknown field "extra"`,
		`{"id": 0, "op": "clock"}`:             "bad request: the id must be a positive integer",
		`{"id": 1.5, "op": "clock"}`:           "bad request: json: cannot unmarshal number 1.5",
		`{"id": 1, "op": "rm -rf"}`:            `bad request: unknown op "rm -rf"`,
		`{"id": 1, "op": "read", "args": {"path": "../etc/passwd"}}`: `bad request: the path "../etc/passwd" must name a file inside the home directory`,
		`{"id": 1, "op": "read", "args": {"path": "/etc/passwd"}}`:   `bad request: the path "/etc/passwd" must be relative to the home directory`,
		`{"id": 1, "op": "read", "args": {"file": "x"}}`:             `bad request: json: unknown field "file"`,
		`{"id": 1, "op": "speed", "args": {"speed": "warp"}}`:        `invalid speed "warp"`,
		`{"id": 1, "op": "clock"} {"id": 2}`:                         "bad request: trailing data",
	} {
		r := f.page.Handle([]byte(msg))
		assert.Contains(t, r.Error, want, msg)
		assert.Nil(t, r.Result, msg)
	}
	big := fmt.Sprintf(`{"id": 1, "op": "write", "args": {"path": "x", "text": %q}}`, bytes.Repeat([]byte("x"), maxMessage))
	assert.Contains(t, f.page.Handle([]byte(big)).Error, "larger than")
}

// A watch lists, then sends the changes after the list in batches, one
// entry per object however often it changed; summaries carry kubectl's row.
func TestWatch(t *testing.T) {
	f := newFixture(t)
	var nodes WatchResult
	require.Empty(t, f.call("watch", map[string]any{"resource": "nodes", "summary": true}, &nodes))
	assert.Equal(t, []string{"NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"}, nodes.Headers)
	require.Len(t, nodes.Items, 3)
	var n Summary
	require.NoError(t, json.Unmarshal(nodes.Items[0], &n))
	assert.Equal(t, "controlplane", n.Name)
	assert.Equal(t, "Ready", n.Cells[1])

	var pods WatchResult
	require.Empty(t, f.call("watch", map[string]any{"resource": "pods", "namespace": "default", "summary": true}, &pods))
	assert.Empty(t, pods.Items)
	assert.NotEmpty(t, pods.ResourceVersion)
	f.flush() // the clock

	f.run("kubectl create deployment web --image=busybox --replicas=2 -- sleep 3600")
	f.s.Lock()
	f.s.Cluster().Advance(5e9)
	f.s.Unlock()
	b := f.flush()
	var names []string
	for _, ev := range b.Events {
		if ev.Watch != pods.Watch {
			continue
		}
		var s Summary
		require.NoError(t, json.Unmarshal(ev.Object, &s))
		assert.Equal(t, "ADDED", ev.Type, "added and changed within one batch: one ADDED")
		assert.Equal(t, "Running", s.Cells[2])
		assert.Equal(t, "ReplicaSet", s.Owners[0].Kind)
		assert.NotEmpty(t, s.Node)
		names = append(names, s.Name)
	}
	assert.Len(t, names, 2)

	require.Empty(t, f.call("unwatch", map[string]any{"watch": pods.Watch}, nil))
	f.run("kubectl delete deployment web")
	for _, ev := range f.flush().Events {
		assert.NotEqual(t, pods.Watch, ev.Watch)
	}
	assert.Contains(t, f.call("unwatch", map[string]any{"watch": pods.Watch}, nil), "no watch")
	assert.Contains(t, f.call("watch", map[string]any{"resource": "gizmos"}, nil), `the server doesn't have a resource type "gizmos"`)

	// Resuming from a resourceVersion sends what changed since, without a list.
	var again WatchResult
	require.Empty(t, f.call("watch", map[string]any{"resource": "deployments", "namespace": "default", "resourceVersion": pods.ResourceVersion}, &again))
	assert.Empty(t, again.Items)
	f.s.Lock()
	f.s.Cluster().RunUntilIdle()
	f.s.Unlock()
	var types []string
	for _, ev := range f.flush().Events {
		if ev.Watch == again.Watch {
			types = append(types, ev.Type)
		}
	}
	assert.Empty(t, types, "created and deleted since: neither is sent")
}

func TestRequestStream(t *testing.T) {
	f := newFixture(t)
	require.Empty(t, f.call("requests", map[string]any{"on": true}, nil))
	f.run("kubectl run hello --image=busybox --restart=Never -- echo hi")
	b := f.flush()
	var seen []string
	for _, r := range b.Requests {
		seen = append(seen, r.Component+" "+r.Verb+" "+r.Resource+"/"+r.Subresource)
	}
	assert.Contains(t, seen, "kubectl create pods/")
	assert.Contains(t, seen, "default-scheduler create pods/binding", "components started before the page are observed too")
	require.Empty(t, f.call("requests", map[string]any{"on": false}, nil))
	f.run("kubectl get pods")
	assert.Empty(t, f.flush().Requests)
}

func TestFiles(t *testing.T) {
	f := newFixture(t)
	var file File
	require.Empty(t, f.call("write", map[string]any{"path": "web.yaml", "text": "kind: Pod\n", "create": true}, &file))
	assert.Equal(t, "web.yaml", file.Path)
	assert.Equal(t, "kind: Pod\n", f.run("cat web.yaml"), "the shell sees what the editor saved")
	assert.Contains(t, f.call("write", map[string]any{"path": "web.yaml", "text": "", "create": true}, nil), "web.yaml: File exists")

	f.run("echo hello > note.txt && mkdir -p app && echo x > app/a.yaml && touch .hidden")
	var list struct{ Files []File }
	require.Empty(t, f.call("files", nil, &list))
	var paths []string
	for _, fl := range list.Files {
		paths = append(paths, fl.Path)
	}
	assert.Equal(t, []string{"app/a.yaml", "note.txt", "web.yaml"}, paths)

	var text FileText
	require.Empty(t, f.call("read", map[string]any{"path": "note.txt"}, &text))
	assert.Equal(t, "hello\n", text.Text, "the editor sees what the shell wrote")

	require.Empty(t, f.call("rename", map[string]any{"from": "note.txt", "to": "notes/n.txt"}, nil))
	assert.Equal(t, "hello\n", f.run("cat notes/n.txt"))
	assert.Contains(t, f.call("rename", map[string]any{"from": "web.yaml", "to": "app/a.yaml"}, nil), "File exists")
	require.Empty(t, f.call("delete", map[string]any{"path": "notes/n.txt"}, nil))
	assert.Contains(t, f.call("read", map[string]any{"path": "notes/n.txt"}, nil), "notes/n.txt: No such file or directory")
	assert.Contains(t, f.call("delete", map[string]any{"path": "notes"}, nil), "Is a directory")
}

// A file dropped on the page lands in the home directory byte for byte,
// never over one that exists; a module dropped so loads as an image.
func TestUpload(t *testing.T) {
	f := newFixture(t)
	module, err := fs.ReadFile(wasmtest.Modules(t), "hello-world.wasm")
	require.NoError(t, err)
	var file File
	require.Empty(t, f.call("upload", map[string]any{"path": "hello.wasm", "data": module}, &file))
	assert.Equal(t, File{Path: "hello.wasm", Size: int64(len(module)), ModTime: file.ModTime}, file)
	assert.Equal(t, "Loaded image: hello:latest\n", f.run("kubeplay image load hello.wasm hello"))
	assert.Contains(t, f.call("upload", map[string]any{"path": "hello.wasm", "data": []byte("x")}, nil), "hello.wasm: File exists")
	assert.Contains(t, f.call("read", map[string]any{"path": "hello.wasm"}, nil), "hello.wasm: not a text file")
	assert.Contains(t, f.call("upload", map[string]any{"path": "../x.wasm", "data": []byte("x")}, nil), "must name a file inside the home directory")

	// Past the editor's 2 MiB, an upload's message is taken up to its own
	// limit; any other op's is not.
	big := bytes.Repeat([]byte{0, 1, 2}, 1<<20)
	require.Empty(t, f.call("upload", map[string]any{"path": "big.bin", "data": big}, &file))
	assert.Equal(t, int64(len(big)), file.Size)
	assert.Equal(t, "3145728 big.bin\n", f.run("wc -c big.bin"))
	tooBig := fmt.Sprintf(`{"id": 1, "op": "write", "args": {"path": "x", "text": %q}}`, bytes.Repeat([]byte("x"), 3<<20))
	assert.Contains(t, f.page.Handle([]byte(tooBig)).Error, "larger than")
	assert.Contains(t, f.call("upload", map[string]any{"path": "huge.bin", "data": make([]byte, maxUpload+1)}, nil), "huge.bin: the file is larger than 33554432 bytes")
}

func TestClockOps(t *testing.T) {
	f := newFixture(t)
	var c Clock
	require.Empty(t, f.call("clock", nil, &c))
	assert.Equal(t, "max", c.Speed, "natively time jumps")
	assert.Contains(t, f.call("speed", map[string]any{"speed": "10"}, nil), "not paced")
	var j jumpResult
	require.Empty(t, f.call("step", nil, &j))
	assert.Greater(t, j.Now, j.From)
	f.run("kubectl create cronjob tick --image=busybox --schedule='*/5 * * * *' -- echo tick")
	require.Empty(t, f.call("skip", nil, &j))
	assert.Contains(t, j.Change, "jobs.batch default/tick-")
	assert.Equal(t, int64(100), j.Now%1000, "100 ms past the scheduled minute")
}

func TestInspect(t *testing.T) {
	f := newFixture(t)
	f.run("kubectl create deployment web --image=busybox --replicas=1 -- sleep 3600")
	f.run(`kubectl run crash --image=busybox -- sh -c 'echo "<b>bye</b>"; exit 3'`)
	f.run("sleep 20")
	for _, tc := range []struct {
		args []string
		want string
		code int
		err  string
	}{
		{args: []string{"get", "deployment", "web", "-o", "yaml"}, want: "kind: Deployment\n"},
		{args: []string{"describe", "deployments.apps/web", "-n", "default"}, want: "Name:                   web\n"},
		{args: []string{"logs", "pods/crash", "-n", "default", "-c", "crash", "--previous"}, want: "<b>bye</b>\n"},
		{args: []string{"logs", "pods/crash", "--all-containers", "--prefix"}, want: "[pod/crash/crash] <b>bye</b>\n"},
		{args: []string{"get", "deployment", "nope"}, want: `Error from server (NotFound): deployments.apps "nope" not found`, code: 1},
		{args: []string{"delete", "deployment", "web"}, err: `bad request: inspect runs kubectl [get describe logs events], not "delete"`},
		{args: []string{"get", "pods", "-w"}, err: "bad request: inspect cannot -w: it answers once"},
		{args: nil, err: `bad request: inspect runs kubectl [get describe logs events], not ""`},
	} {
		var r InspectResult
		err := f.call("inspect", map[string]any{"args": tc.args}, &r)
		if tc.err != "" {
			assert.Equal(t, tc.err, err, tc.args)
			continue
		}
		require.Empty(t, err, tc.args)
		assert.Contains(t, r.Output, tc.want, tc.args)
		assert.Equal(t, tc.code, r.ExitCode, tc.args)
	}
	assert.Contains(t, f.run("kubectl get deployment web"), "web", "inspecting changed nothing")
}

func TestExplain(t *testing.T) {
	f := newFixture(t)
	f.run(`kubectl run huge --image=busybox --overrides='{"spec":{"containers":[{"name":"huge","image":"busybox","resources":{"requests":{"cpu":"64"}}}]}}'`)
	// As the page reads it (plugin codes are words).
	var r struct {
		Explanation *struct {
			Pod           string
			FeasibleNodes int
			Message       string
			Nodes         []struct {
				Node    string
				Filters []struct{ Plugin, Code string }
			}
		}
		LastCycle *struct{ Result string }
	}
	require.Empty(t, f.call("explain", map[string]any{"namespace": "default", "name": "huge"}, &r))
	require.NotNil(t, r.Explanation)
	assert.Contains(t, r.Explanation.Nodes[1].Filters, struct{ Plugin, Code string }{"NodeResourcesFit", "UnschedulableAndUnresolvable"}, "64 CPUs exceed any node")
	assert.Equal(t, "default/huge", r.Explanation.Pod)
	assert.Zero(t, r.Explanation.FeasibleNodes)
	assert.Len(t, r.Explanation.Nodes, 3)
	assert.Contains(t, r.Explanation.Message, "Insufficient cpu")
	require.NotNil(t, r.LastCycle)
	assert.Equal(t, "Unschedulable", r.LastCycle.Result)
	assert.Equal(t, `pods "nope" not found`, f.call("explain", map[string]any{"name": "nope"}, nil))
}

// TestTop: the view's resource use is what kubectl top reads.
func TestTop(t *testing.T) {
	f := newFixture(t)
	f.run("kubectl run spin --image=busybox -- sh -c 'while true; do :; done'")
	f.run("sleep 90")
	var r TopResult
	require.Empty(t, f.call("top", nil, &r))
	require.True(t, r.Available)
	require.NotEmpty(t, r.Nodes)
	for _, n := range r.Nodes {
		assert.Positive(t, n.CPUAllocatable, n.Name)
		assert.Positive(t, n.MemoryAllocatable, n.Name)
	}
	var spin *PodUsage
	for i, p := range r.Pods {
		if p.Namespace == "default" && p.Name == "spin" {
			spin = &r.Pods[i]
		}
	}
	require.NotNil(t, spin, "the spinning pod has metrics: %+v", r.Pods)
	assert.Positive(t, spin.CPU)
	assert.Positive(t, spin.Memory)
	top := f.run("kubectl top pod spin --no-headers")
	assert.Contains(t, top, fmt.Sprintf("%dm", spin.CPU), "the same figures as kubectl top")
	assert.Equal(t, "bad request: json: unknown field \"x\"", f.call("top", map[string]any{"x": 1}, nil))
}

// TestMemory: the engine's own memory figures, as the Go runtime has them.
func TestMemory(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		args map[string]any
		err  string
	}{
		{name: "no arguments"},
		{name: "an unknown one", args: map[string]any{"x": 1}, err: "bad request: json: unknown field \"x\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r MemoryResult
			require.Equal(t, tt.err, f.call("memory", tt.args, &r))
			if tt.err != "" {
				return
			}
			assert.Positive(t, r.HeapLive)
			assert.Greater(t, r.HeapGoal, r.HeapLive)
			assert.Greater(t, r.Total, r.HeapLive)
			assert.Positive(t, r.Cycles)
		})
	}
}
