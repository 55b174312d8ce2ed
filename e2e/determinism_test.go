package e2e

import (
	"bytes"
	"context"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hack-pad/hackpadfs/mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/cluster"
	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/engine/scenario"
	"github.com/kubeplay/kubeplay/engine/session"
	"github.com/kubeplay/kubeplay/engine/share"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

var digestLine = regexp.MustCompile(`(?m)^[0-9a-f]{64}$`)

// TestHistoryMatchesNatively runs every gallery scenario's code in the
// browser, the clock at max speed while a line waits, and prints kubeplay hash (the digest of every
// revision the store committed); the session's share link, replayed
// natively, prints the same digest at the same virtual instant. The
// browser's clock is paced by the wall clock and its store is IndexedDB,
// natively time jumps and the store is in memory: the history is the
// same all the same.
func TestHistoryMatchesNatively(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot(), "web", "scenarios", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	ctx, base := openPage(t)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			f, err := scenario.Parse(file, data)
			require.NoError(t, err)
			open(t, ctx, base+"#"+url.Values{"scenario": {string(data)}}.Encode())
			require.Equal(t, "ready", outcome(t, ctx))
			// The clock runs at max speed only while a line waits (the
			// pacer moves time only then), and is paused between lines,
			// so the virtual time the test covers does not depend on how
			// slow the machine is.
			run(t, ctx, "kubeplay speed pause")
			for _, step := range f.Steps {
				for _, script := range step.Code {
					lines := strings.Split(strings.TrimRight(script, "\n"), "\n")
					if len(lines) == 1 {
						run(t, ctx, "kubeplay speed max; "+lines[0]+"; kubeplay speed pause")
						continue
					}
					for _, line := range lines { // a here-document: nothing in it waits
						run(t, ctx, line)
					}
				}
			}
			browser := run(t, ctx, "kubeplay hash")
			require.Zero(t, browser.ExitCode, browser.Output)
			require.Regexp(t, digestLine, browser.Output)
			shared := run(t, ctx, "kubeplay share 2>/dev/null")
			require.Zero(t, shared.ExitCode, shared.Output)
			_, enc, ok := strings.Cut(strings.TrimSpace(shared.Output), "#share=")
			require.True(t, ok, shared.Output)
			link, err := share.Decode(enc)
			require.NoError(t, err)

			var out bytes.Buffer
			replayStart := time.Now()
			defer func() { t.Logf("replayed natively in %v", time.Since(replayStart)) }()
			r, err := share.Replay(context.Background(), link, nativeConfig(t), &out)
			require.NoError(t, err)
			defer r.Close()
			digests := digestLine.FindAllString(out.String(), -1)
			if !assert.Equal(t, strings.TrimSpace(browser.Output), digests[len(digests)-1], "the history in the browser and natively") {
				// Where they part: the first revision that differs.
				got := strings.Split(run(t, ctx, "kubeplay hash --revisions").Output, "\n")
				var nat bytes.Buffer
				r.Exec(context.Background(), "kubeplay hash --revisions", &nat, io.Discard)
				want := strings.Split(nat.String(), "\n")
				for i := range min(len(got), len(want)) {
					if got[i] != want[i] {
						t.Logf("first difference: browser %q, natively %q; before it %q", got[i], want[i], got[max(0, i-3):i])
						break
					}
				}
			}
		})
	}
}

func nativeConfig(t *testing.T) session.Config {
	t.Helper()
	fsys, err := mem.NewFS()
	require.NoError(t, err)
	require.NoError(t, fsys.Mkdir("root", 0o755))
	return session.Config{
		Cluster: cluster.Config{Modules: runtime.NewFSSource(wasmtest.Modules(t))},
		FS:      fsys, Dir: "/root", Home: "root",
		Env: []string{"HOME=/root", "USER=root", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "PWD=/root"},
	}
}
