package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/profiler"
	"github.com/chromedp/chromedp"
)

// jsProfile is where -jsprofile writes V8's CPU profile of the browser
// runs (a .cpuprofile that Chrome's DevTools open), with a summary of
// the functions' self time beside it (FILE.txt): in the browser Go's
// pprof has no CPU profile, and the host's part of a request (the
// engine, the interpreter, the garbage collector) is what V8 sees.
var jsProfile string

// profiled runs the benchmark's actions with V8's sampling profiler on.
// The tab first loads the benchmark page without a module (it fails to
// fetch it, harmlessly), so that the profiler starts in the renderer the
// benchmark then runs in.
func (b *bench) profiled(ctx context.Context, run chromedp.Action[chromedp.Void]) error {
	if jsProfile == "" {
		return chromedp.Do(ctx, run)
	}
	var stop profiler.StopResult
	err := chromedp.Do(ctx, chromedp.Navigate(b.url+"index.html"),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			if _, err := cdp.Call(ctx, t, profiler.Enable, cdp.Empty{}); err != nil {
				return err
			}
			if _, err := cdp.Call(ctx, t, profiler.SetSamplingInterval, profiler.SetSamplingIntervalParams{Interval: 200}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, t, profiler.Start, cdp.Empty{})
			return err
		}),
		run,
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) (err error) {
			stop, err = cdp.Call(ctx, t, profiler.Stop, cdp.Empty{})
			return err
		}))
	if err != nil || stop.Profile == nil {
		return err
	}
	data, err := json.Marshal(stop.Profile)
	if err != nil {
		return err
	}
	if err := os.WriteFile(jsProfile, data, 0o644); err != nil {
		return err
	}
	f, err := os.Create(jsProfile + ".txt")
	if err != nil {
		return err
	}
	defer f.Close()
	summarize(f, stop.Profile, 80)
	return nil
}

// summarize writes the functions with the most samples on top (self) and
// on the stack (incl), in milliseconds.
func summarize(w io.Writer, p *profiler.Profile, top int) {
	byID := map[int64]*profiler.ProfileNode{}
	parent := map[int64]int64{}
	for _, n := range p.Nodes {
		byID[n.ID] = n
		for _, c := range n.Children {
			parent[c] = n.ID
		}
	}
	name := func(n *profiler.ProfileNode) string {
		if n.CallFrame.FunctionName == "" {
			return "(anonymous) " + n.CallFrame.URL
		}
		return n.CallFrame.FunctionName
	}
	self, incl := map[string]float64{}, map[string]float64{}
	var total float64
	for i, id := range p.Samples {
		if i+1 >= len(p.TimeDeltas) {
			break
		}
		ms := float64(p.TimeDeltas[i+1]) / 1000
		total += ms
		self[name(byID[id])] += ms
		seen := map[string]bool{}
		for n, ok := byID[id], true; ok; n, ok = byID[parent[n.ID]] {
			if nm := name(n); !seen[nm] {
				seen[nm] = true
				incl[nm] += ms
			}
			if n.ID == p.Nodes[0].ID {
				break
			}
		}
	}
	fmt.Fprintf(w, "total %.0f ms\n", total)
	for _, by := range []struct {
		title string
		m     map[string]float64
	}{{"self", self}, {"incl", incl}} {
		fmt.Fprintf(w, "-- by %s: self ms, incl ms, function\n", by.title)
		names := slices.SortedFunc(maps.Keys(by.m), func(a, b string) int { return cmp.Or(cmp.Compare(by.m[b], by.m[a]), cmp.Compare(a, b)) })
		for _, nm := range names[:min(top, len(names))] {
			fmt.Fprintf(w, "%9.1f %9.1f %s\n", self[nm], incl[nm], nm)
		}
	}
}
