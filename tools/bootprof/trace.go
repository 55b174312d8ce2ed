package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
)

// traceEvent is one event of a Chromium trace (the Trace Event Format).
type traceEvent struct {
	Name string  `json:"name"`
	Cat  string  `json:"cat"`
	Ph   string  `json:"ph"`
	Ts   float64 `json:"ts"`
	Dur  float64 `json:"dur"`
	Pid  int     `json:"pid"`
	Tid  int     `json:"tid"`
	Args struct {
		Name string `json:"name"`
		Data struct {
			FunctionName string `json:"functionName"`
			URL          string `json:"url"`
			LineNumber   int    `json:"lineNumber"`
		} `json:"data"`
	} `json:"args"`
}

// tracer gathers a trace sent as Tracing.dataCollected events.
type tracer struct {
	categories string
	mu         sync.Mutex
	raw        []json.RawMessage
	events     []traceEvent
	done       chan struct{}
}

func (t *tracer) collect(params json.RawMessage) {
	var p struct{ Value []json.RawMessage }
	if json.Unmarshal(params, &p) != nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range p.Value {
		var e traceEvent
		if json.Unmarshal(r, &e) == nil {
			t.raw = append(t.raw, r)
			t.events = append(t.events, e)
		}
	}
}

// write saves the trace where DevTools' Performance panel opens it.
func (t *tracer) write(file string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b, _ := json.Marshal(map[string]any{"traceEvents": t.raw})
	must(os.WriteFile(file, b, 0o644))
	fmt.Printf("\n=== trace: %d events (%s)\n", len(t.raw), file)
}

// longTasks lists the page thread's tasks over 50 ms (what a longtask
// observer reports) with what each spent its time on, by self time.
func (t *tracer) longTasks(top int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	type thread struct{ pid, tid int }
	names := map[thread]string{}
	for _, e := range t.events {
		if e.Ph == "M" && e.Name == "thread_name" {
			names[thread{e.Pid, e.Tid}] = e.Args.Name
		}
	}
	byThread := map[thread][]traceEvent{}
	for _, e := range t.events {
		if e.Ph == "X" && names[thread{e.Pid, e.Tid}] == "CrRendererMain" {
			th := thread{e.Pid, e.Tid}
			byThread[th] = append(byThread[th], e)
		}
	}
	var t0 float64
	for _, e := range t.events {
		if e.Ph == "X" && (t0 == 0 || e.Ts < t0) {
			t0 = e.Ts
		}
	}
	label := func(e traceEvent) string {
		if f := e.Args.Data.FunctionName; f != "" {
			return fmt.Sprintf("%s %s (%s:%d)", e.Name, f, e.Args.Data.URL[strings.LastIndexByte(e.Args.Data.URL, '/')+1:], e.Args.Data.LineNumber)
		}
		return e.Name
	}
	for th, evs := range byThread {
		sort.SliceStable(evs, func(i, j int) bool {
			if evs[i].Ts != evs[j].Ts {
				return evs[i].Ts < evs[j].Ts
			}
			return evs[i].Dur > evs[j].Dur
		})
		var busy float64
		var long []int
		for i, e := range evs {
			if e.Name == "RunTask" || e.Name == "ThreadControllerImpl::RunTask" {
				busy += e.Dur
				if e.Dur > 50_000 {
					long = append(long, i)
				}
			}
		}
		fmt.Printf("-- thread %d/%d (CrRendererMain): tasks %.0f ms busy, %d over 50 ms\n", th.pid, th.tid, busy/1000, len(long))
		// Tasks nest (a RunTask inside ThreadControllerImpl::RunTask):
		// take the outermost of each overlapping run.
		end := -1.0
		for _, i := range long {
			task := evs[i]
			if task.Ts < end {
				continue
			}
			end = task.Ts + task.Dur
			// Self time of each event inside the task: its duration less
			// its children's (the events are nested intervals).
			self := map[string]float64{}
			var stack []traceEvent
			var selfOf []float64
			pop := func() {
				n := len(stack) - 1
				self[label(stack[n])] += selfOf[n]
				stack, selfOf = stack[:n], selfOf[:n]
			}
			for _, e := range evs[i+1:] {
				if e.Ts >= end {
					break
				}
				for len(stack) > 0 && e.Ts >= stack[len(stack)-1].Ts+stack[len(stack)-1].Dur {
					pop()
				}
				if len(stack) > 0 {
					selfOf[len(selfOf)-1] -= e.Dur
				}
				stack = append(stack, e)
				selfOf = append(selfOf, e.Dur)
			}
			for len(stack) > 0 {
				pop()
			}
			var parts []string
			for n, e := range byValue(self) {
				if n >= 8 || e.v < 1000 {
					break
				}
				parts = append(parts, fmt.Sprintf("%s %.0f", e.k, e.v/1000))
			}
			fmt.Printf("%8.0f ms  %5.0f ms  %s\n", (task.Ts-t0)/1000, task.Dur/1000, strings.Join(parts, "; "))
		}
	}
}
