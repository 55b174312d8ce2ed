package page

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kubeplay/kubeplay/engine/kubectl"
	"github.com/kubeplay/kubeplay/engine/scheduler"
)

// The inspector shows an object as kubectl shows it: its YAML (get -o
// yaml), its description with conditions and events (describe), a pod's
// logs, the events. These are kubectl's own commands, run with the page's
// client (so they are not in the request stream and not in the shell's
// history), and only the ones that read: inspecting changes nothing.
var inspectVerbs = []string{"get", "describe", "logs", "events"}

// maxInspect bounds the output an inspect request returns.
const maxInspect = 1 << 20

// InspectResult is kubectl's output and exit code.
type InspectResult struct {
	Output    string `json:"output"`
	ExitCode  int    `json:"exitCode"`
	Truncated bool   `json:"truncated,omitempty"`
}

func (p *Page) opInspect(_ int, raw json.RawMessage) (any, error) {
	var a struct {
		Args []string `json:"args"`
	}
	if err := args(raw, &a); err != nil {
		return nil, err
	}
	if len(a.Args) == 0 || !slices.Contains(inspectVerbs, a.Args[0]) {
		return nil, fmt.Errorf("%v: inspect runs kubectl %v, not %q", errBadRequest, inspectVerbs, first(a.Args))
	}
	for _, arg := range a.Args[1:] {
		if arg == "-w" || arg == "--watch" || arg == "-f" || arg == "--follow" || arg == "--watch-only" {
			return nil, fmt.Errorf("%v: inspect cannot %s: it answers once", errBadRequest, arg)
		}
	}
	var out limited
	s := p.cfg.Session
	s.Lock()
	defer s.Unlock()
	k := kubectl.New(p.client, noHost{})
	code := k.Run(context.Background(), kubectl.IO{In: bytes.NewReader(nil), Out: &out, Err: &out}, a.Args)
	return InspectResult{Output: out.String(), ExitCode: code, Truncated: out.over}, nil
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// limited is a buffer that keeps the first maxInspect bytes.
type limited struct {
	bytes.Buffer
	over bool
}

func (l *limited) Write(b []byte) (int, error) {
	if room := maxInspect - l.Len(); len(b) > room {
		l.over = true
		l.Buffer.Write(b[:max(room, 0)])
		return len(b), nil
	}
	return l.Buffer.Write(b)
}

// noHost is kubectl's host for the inspector: no files, no waiting.
type noHost struct{}

var errInspectHost = errors.New("the inspector does not read files or wait")

func (noHost) ReadFile(string) ([]byte, error) { return nil, errInspectHost }

func (noHost) Wait(context.Context, time.Duration, func() bool) error { return errInspectHost }

// ExplainResult is why a pod is on its node or on none: what every
// scheduler plugin says of it on every node now, and what its last real
// scheduling cycle found.
type ExplainResult struct {
	Explanation *scheduler.Explanation `json:"explanation"`
	LastCycle   *scheduler.CycleRecord `json:"lastCycle,omitempty"`
}

func (p *Page) opExplain(_ int, raw json.RawMessage) (any, error) {
	var a struct {
		Namespace string `json:"namespace"`
		Name      string `json:"name"`
	}
	if err := args(raw, &a); err != nil {
		return nil, err
	}
	if a.Namespace == "" {
		a.Namespace = "default"
	}
	s := p.cfg.Session
	s.Lock()
	defer s.Unlock()
	sch := s.Cluster().Scheduler()
	e, err := sch.Explain(a.Namespace, a.Name)
	if err != nil {
		return nil, err
	}
	r := ExplainResult{Explanation: e}
	if c, ok := sch.LastCycle(a.Namespace, a.Name); ok {
		r.LastCycle = c
	}
	return r, nil
}
