package share

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kubeplay/kubeplay/engine/session"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/scenario"
)

// A session too long for a link becomes a scenario file that replays it:
// sleeps for the time between lines (none inside a here-document), files
// as here-documents, a timeout where Ctrl-C stopped a command.
func TestToScenario(t *testing.T) {
	l := &Link{Seed: 4, Cluster: Shape{Workers: 1}, Base: []File{{Path: "a.yaml", Content: "kind: Pod\n"}}, Entries: []Entry{
		{At: 0, Line: "kubectl apply -f a.yaml"},
		{At: 1500 * time.Millisecond, Line: "cat <<EOF > b.txt"},
		{At: 2 * time.Second, Line: "hello"},
		{At: 3 * time.Second, Line: "EOF"},
		{At: 10 * time.Second, Line: "kubectl get pods -w", Stopped: ptr(15 * time.Second), Files: []File{{Path: "d/c.txt", Content: "x"}, {Path: "a.yaml", Removed: true}}},
	}}
	data, err := ToScenario(l)
	require.NoError(t, err)
	f, err := scenario.Parse("session.yaml", data)
	require.NoError(t, err, string(data))
	assert.Equal(t, uint64(4), f.Seed)
	assert.Equal(t, 1, *f.Cluster.Workers)
	assert.Equal(t, map[string]string{"a.yaml": "kind: Pod\n"}, f.Files)
	require.Len(t, f.Steps, 1)
	assert.Equal(t, "kubectl apply -f a.yaml\nsleep 1.5\ncat <<EOF > b.txt\nhello\nEOF\nsleep 7\n"+
		"mkdir -p \"$(dirname d/c.txt)\"\ncat > d/c.txt <<'KUBEPLAY_EOF'\nx\nKUBEPLAY_EOF\nrm -f a.yaml\ntimeout 5 kubectl get pods -w\n", f.Steps[0].Code[0])
}

// kubeplay share prints the link (its size on stderr), kubeplay export the
// manifests, kubeplay share --scenario the scenario file.
func TestShareCommands(t *testing.T) {
	s, err := session.New(config(t))
	require.NoError(t, err)
	defer s.Close()
	var out, errs bytes.Buffer
	assert.Equal(t, 1, s.Exec(context.Background(), "kubeplay share", &out, &errs))
	assert.Equal(t, "kubeplay share: this session cannot be shared\n", errs.String())

	s.SetSharer(&Sharer{Session: s, URL: "https://example.test/play/#old"})
	s.Exec(context.Background(), "kubectl create deployment web --image=busybox -- sleep 3600", &out, &out)
	out.Reset()
	errs.Reset()
	require.Equal(t, 0, s.Exec(context.Background(), "kubeplay share", &out, &errs), errs.String())
	link := strings.TrimSpace(out.String())
	assert.True(t, strings.HasPrefix(link, "https://example.test/play/#share="), link)
	assert.Regexp(t, `^kubeplay share: the link is \d+ bytes\n$`, errs.String())
	l, err := Decode(link[strings.Index(link, "#"):])
	require.NoError(t, err)
	require.Len(t, l.Entries, 3)
	assert.Equal(t, "kubeplay share", l.Entries[2].Line, "the share itself is a line of the session")

	out.Reset()
	require.Equal(t, 0, s.Exec(context.Background(), "kubeplay export", &out, &errs))
	assert.Contains(t, out.String(), "kind: Deployment")
	out.Reset()
	require.Equal(t, 0, s.Exec(context.Background(), "kubeplay share --scenario", &out, &errs))
	assert.Contains(t, out.String(), "kubectl create deployment web --image=busybox -- sleep 3600")
	errs.Reset()
	assert.Equal(t, 1, s.Exec(context.Background(), "kubeplay export now", &out, &errs))
	assert.Contains(t, errs.String(), "kubeplay export: extra operand 'now'")
}
