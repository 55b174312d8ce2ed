//go:build js && wasm

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"syscall/js"

	"github.com/hack-pad/hackpadfs"

	"github.com/kubeplay/kubeplay/engine/scenario"
	"github.com/kubeplay/kubeplay/engine/session"
	"github.com/kubeplay/kubeplay/engine/share"
)

// opened is what the page asked the engine to open (docs/bridge.md): a
// share link to replay (config.share), a scenario (config.scenario, its
// YAML), or neither, for the cluster kept in the browser. A link, a
// scenario or an embedded page (config.fresh) opens a fresh cluster kept
// in memory, so the user's own cluster is not touched.
type opened struct {
	link     *share.Link
	scenario *scenario.File
	text     string // the scenario's YAML
	url      string // the page's address, for share links
	embedded bool   // an embedded page's cluster is its own (config.fresh)
}

// readOpened reads the page's request; a link or scenario that cannot be
// read is an error the page shows, and nothing starts.
func readOpened(cfg js.Value) (*opened, error) {
	o := &opened{url: jsString(cfg, "url"), embedded: jsString(cfg, "fresh") == "1"}
	if n := jsString(cfg, "oversized"); n != "" {
		return nil, fmt.Errorf("the link cannot be opened: the link is %s characters long, more than the %d a link may have", n, share.MaxEncoded)
	}
	if data := jsString(cfg, "share"); data != "" {
		l, err := share.Decode(data)
		if err != nil {
			return nil, fmt.Errorf("the link cannot be opened: %w", err)
		}
		o.link, o.text = l, l.Scenario
	} else {
		o.text = jsString(cfg, "scenario")
	}
	if o.text != "" {
		f, err := scenario.Parse("the scenario", []byte(o.text))
		if err != nil {
			return nil, err
		}
		o.scenario = f
	}
	return o, nil
}

// fresh reports whether the session is not the browser's kept cluster.
func (o *opened) fresh() bool { return o.link != nil || o.scenario != nil || o.embedded }

// start starts the session: replays the link, or sets the scenario up
// (time jumps meanwhile; the page paces it after).
func (o *opened) start(cfg session.Config) (*session.Session, string, error) {
	cfg.Home = "root"
	var out bytes.Buffer
	var s *session.Session
	var err error
	switch {
	case o.link != nil:
		s, err = share.Replay(context.Background(), o.link, cfg, &out)
	case o.scenario != nil:
		s, err = session.New(o.scenario.Configure(cfg))
		if err == nil {
			if err = scenario.Setup(context.Background(), s, o.scenario); err != nil {
				_ = s.Close()
				err = fmt.Errorf("the scenario's setup failed: %w", err)
			}
		}
	default:
		s, err = session.New(cfg)
	}
	if err != nil {
		return nil, "", err
	}
	s.SetSharer(&share.Sharer{Session: s, Scenario: o.text, URL: o.url})
	return s, out.String(), nil
}

// follow evaluates the scenario's checks in order as the cluster changes
// and tells the page, through host.scenario, each step whose check holds.
// Steps without a check are the reader's to mark.
func (o *opened) follow(host js.Value, s *session.Session) error {
	if o.scenario == nil {
		return nil
	}
	ck, err := scenario.NewChecker(s, o.scenario)
	if err != nil {
		return err
	}
	steps := o.scenario.Steps
	next := func(from int) int {
		for i := from; i < len(steps); i++ {
			if steps[i].Check != nil {
				return i
			}
		}
		return -1
	}
	ck.OnPass(func(i int) {
		msg, _ := json.Marshal(map[string]any{"type": "scenario", "passed": i})
		host.Call("scenario", string(msg))
		if j := next(i + 1); j >= 0 {
			ck.Watch(j)
		}
	})
	s.Lock()
	defer s.Unlock()
	if i := next(0); i >= 0 {
		ck.Watch(i)
	}
	return nil
}

func jsString(v js.Value, key string) string {
	if f := v.Get(key); f.Type() == js.TypeString {
		return f.String()
	}
	return ""
}

// memoryStorage keeps a fresh session's cluster and files in memory only,
// by choice: nothing was refused, so there is nothing to warn about.
func memoryStorage() *storage {
	s := &storage{cluster: memFS(), home: memFS()}
	_ = hackpadfs.Mkdir(s.home, "root", 0o755)
	return s
}

// info is the scenario as the page's panel draws it (nil without one).
func (o *opened) info() any {
	if o.scenario == nil {
		return nil
	}
	steps := make([]any, len(o.scenario.Steps))
	for i, st := range o.scenario.Steps {
		code := make([]any, len(st.Code))
		for j, c := range st.Code {
			code[j] = c
		}
		steps[i] = map[string]any{"title": st.Title, "text": st.Text, "code": code, "hint": st.Hint, "hasCheck": st.Check != nil}
	}
	return map[string]any{"title": o.scenario.Title, "description": o.scenario.Description, "steps": steps}
}
