// Command bootprof profiles the playground's boot in headless Chromium: it
// opens the page in a fresh profile (cold), then reloads it (cached), and
// for each load records the CPU profile of the page's thread and of the
// engine's worker (the CDP Profiler, started before the worker runs a line
// of script) up to the page's kubeplay-nodes-ready mark. It prints the
// page's and the worker's marks, the worker's busiest functions (self and
// total) and where its time went in windows of the boot, and writes the
// profiles (Chrome's .cpuprofile format, which DevTools opens) to -out.
//
//	go run ./tools/bootprof -url http://127.0.0.1:8080/ -out build/bootprof
//
// With -then it profiles what command lines typed after the boot cost
// instead (a scale-up, say), until a JavaScript condition holds:
//
//	go run ./tools/bootprof -url http://127.0.0.1:8080/ -interval 1000 -window 10s \
//	  -then 'kubeplay node add --fake --count 100;;kubectl create deployment d --image=registry.k8s.io/pause --replicas=0;;...' \
//	  -until "window.kubeplay.exec('kubectl get deploy d -o jsonpath={.status.availableReplicas}').then(r => r.output === '1000')"
//
// With -trace as well, it records a Chromium trace over the same span
// (written to -out as then-trace.json, which DevTools' Performance panel
// opens) and lists the page thread's tasks over 50 ms, each with what it
// spent its time on: the long tasks a PerformanceObserver counts, and why.
//
// It talks CDP over --remote-debugging-pipe, with no other dependency.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

type message struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     json.RawMessage `json:"error,omitempty"`
}

type cdp struct {
	w       io.Writer
	mu      sync.Mutex
	next    int
	waiting map[int]chan message
	events  chan message
}

func (c *cdp) send(session, method string, params any) (json.RawMessage, error) {
	c.mu.Lock()
	c.next++
	id := c.next
	ch := make(chan message, 1)
	c.waiting[id] = ch
	p, _ := json.Marshal(params)
	if params == nil {
		p = []byte("{}")
	}
	b, _ := json.Marshal(message{ID: id, Method: method, Params: p, SessionID: session})
	_, err := c.w.Write(append(b, 0))
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return nil, fmt.Errorf("%s: %s", method, m.Error)
		}
		return m.Result, nil
	case <-time.After(60 * time.Second):
		return nil, fmt.Errorf("%s: no answer", method)
	}
}

func (c *cdp) read(r io.Reader) {
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		b, err := br.ReadBytes(0)
		if err != nil {
			close(c.events)
			return
		}
		var m message
		if err := json.Unmarshal(b[:len(b)-1], &m); err != nil {
			log.Printf("bad message: %v", err)
			continue
		}
		if m.ID != 0 {
			c.mu.Lock()
			ch := c.waiting[m.ID]
			delete(c.waiting, m.ID)
			c.mu.Unlock()
			if ch != nil {
				ch <- m
			}
			continue
		}
		c.events <- m
	}
}

type profile struct {
	Nodes []struct {
		ID        int `json:"id"`
		CallFrame struct {
			FunctionName string `json:"functionName"`
			URL          string `json:"url"`
		} `json:"callFrame"`
		Children []int `json:"children"`
	} `json:"nodes"`
	StartTime  float64 `json:"startTime"`
	EndTime    float64 `json:"endTime"`
	Samples    []int   `json:"samples"`
	TimeDeltas []int   `json:"timeDeltas"`
}

func main() {
	url := flag.String("url", "", "the page")
	out := flag.String("out", "build/bootprof", "directory for the profiles")
	chromium := flag.String("chromium", "/usr/bin/chromium", "the browser")
	interval := flag.Int("interval", 250, "sampling interval, µs")
	top := flag.Int("top", 40, "functions to list")
	window := flag.Duration("window", 100*time.Millisecond, "width of the timeline's windows")
	reloads := flag.Int("reloads", 1, "cached loads after the cold one")
	doProfile := flag.Bool("profile", true, "record CPU profiles (without, only the marks)")
	quiet := flag.Bool("q", false, "print only a line of phases per load")
	settle := flag.Duration("settle", 0, "how long to leave the page before each reload")
	then := flag.String("then", "", "command lines separated by ;; to run after the cold load; the worker is profiled from the last one until -until holds (no reloads then)")
	until := flag.String("until", "true", "with -then: a JavaScript expression (awaited) that ends the profile once it is true")
	limit := flag.Duration("limit", 20*time.Minute, "with -then: how long to wait for -until")
	trace := flag.Bool("trace", false, "with -then: also record a Chromium trace from the last line until -until holds, write it to -out and list the page thread's long tasks")
	categories := flag.String("categories", "toplevel,devtools.timeline,disabled-by-default-devtools.timeline,v8.execute,blink", "with -trace: the trace's categories")
	flag.Parse()
	if *then != "" {
		*reloads = 0
	}
	if *url == "" {
		log.Fatal("-url is required")
	}
	must(os.MkdirAll(*out, 0o755))
	dir, err := os.MkdirTemp("", "bootprof")
	must(err)
	defer os.RemoveAll(dir)
	// fd 3: the browser reads; fd 4: it writes.
	toR, toW, err := os.Pipe()
	must(err)
	fromR, fromW, err := os.Pipe()
	must(err)
	cmd := exec.Command(*chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--remote-debugging-pipe",
		"--user-data-dir="+dir, "--window-size=1200,800", "about:blank")
	cmd.ExtraFiles = []*os.File{toR, fromW}
	must(cmd.Start())
	defer cmd.Process.Kill()
	toR.Close()
	fromW.Close()
	c := &cdp{w: toW, waiting: map[int]chan message{}, events: make(chan message, 1024)}
	tr := &tracer{done: make(chan struct{}), categories: *categories}
	go c.read(fromR)

	res, err := c.send("", "Target.createTarget", map[string]any{"url": "about:blank"})
	must(err)
	var t struct{ TargetID string }
	must(json.Unmarshal(res, &t))
	res, err = c.send("", "Target.attachToTarget", map[string]any{"targetId": t.TargetID, "flatten": true})
	must(err)
	var s struct{ SessionID string }
	must(json.Unmarshal(res, &s))
	page := s.SessionID
	_, err = c.send(page, "Page.enable", nil)
	must(err)
	_, err = c.send(page, "Runtime.enable", nil)
	must(err)
	_, err = c.send(page, "Target.setAutoAttach", map[string]any{"autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true})
	must(err)
	_, err = c.send(page, "Profiler.enable", nil)
	must(err)
	_, err = c.send(page, "Profiler.setSamplingInterval", map[string]any{"interval": *interval})
	must(err)

	workers := make(chan string, 4)
	var workerSessions sync.Map // the workers' sessions, whose console is printed too
	go func() {
		for m := range c.events {
			switch m.Method {
			case "Target.attachedToTarget":
				var a struct {
					SessionID  string
					TargetInfo struct{ Type, URL string }
				}
				_ = json.Unmarshal(m.Params, &a)
				go func() {
					if a.TargetInfo.Type == "worker" && *doProfile {
						_, _ = c.send(a.SessionID, "Profiler.enable", nil)
						_, _ = c.send(a.SessionID, "Profiler.setSamplingInterval", map[string]any{"interval": *interval})
						_, _ = c.send(a.SessionID, "Profiler.start", nil)
					}
					if a.TargetInfo.Type == "worker" {
						workerSessions.Store(a.SessionID, true)
						_, _ = c.send(a.SessionID, "Runtime.enable", nil)
						workers <- a.SessionID
					}
					_, _ = c.send(a.SessionID, "Runtime.runIfWaitingForDebugger", nil)
				}()
			case "Tracing.dataCollected":
				tr.collect(m.Params)
			case "Tracing.tracingComplete":
				close(tr.done)
			case "Runtime.consoleAPICalled":
				_, fromWorker := workerSessions.Load(m.SessionID)
				if m.SessionID == page || fromWorker {
					var a struct {
						Type string
						Args []struct{ Value any }
					}
					_ = json.Unmarshal(m.Params, &a)
					var parts []string
					for _, x := range a.Args {
						parts = append(parts, fmt.Sprint(x.Value))
					}
					who := "page"
					if fromWorker {
						who = "worker"
					}
					log.Printf("%s console.%s: %s", who, a.Type, strings.Join(parts, " "))
				}
			}
		}
	}()

	eval := func(expr string, v any) error {
		res, err := c.send(page, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true})
		if err != nil {
			return err
		}
		var r struct {
			Result struct {
				Value json.RawMessage
			}
			ExceptionDetails json.RawMessage
		}
		if err := json.Unmarshal(res, &r); err != nil {
			return err
		}
		if r.ExceptionDetails != nil {
			return fmt.Errorf("%s", r.ExceptionDetails)
		}
		return json.Unmarshal(r.Result.Value, v)
	}

	for load := 0; load <= *reloads; load++ {
		name := "cold"
		if load > 0 {
			name = fmt.Sprintf("cached%d", load)
		}
		if *doProfile {
			_, err = c.send(page, "Profiler.start", nil)
			must(err)
		}
		if load == 0 {
			_, err = c.send(page, "Page.navigate", map[string]any{"url": *url})
		} else {
			time.Sleep(*settle)
			_, err = c.send(page, "Page.reload", map[string]any{})
		}
		must(err)
		var worker string
		select {
		case worker = <-workers:
		case <-time.After(30 * time.Second):
			log.Fatal("no worker started")
		}
		deadline := time.Now().Add(60 * time.Second)
		for {
			var done bool
			if err := eval(`performance.getEntriesByName('kubeplay-nodes-ready').length > 0`, &done); err == nil && done {
				break
			}
			if time.Now().After(deadline) {
				log.Fatal("the page did not get three Ready nodes")
			}
			time.Sleep(20 * time.Millisecond)
		}
		var marks [][2]any
		must(eval(`[...performance.getEntriesByType('navigation').flatMap(e => [['responseEnd', e.responseEnd], ['domInteractive', e.domInteractive], ['domContentLoaded', e.domContentLoadedEventEnd]]), ...performance.getEntriesByType('resource').map(e => [e.name.replace(/^.*\//, '') + ' (fetched)', e.responseEnd]), ...performance.getEntriesByType('mark').map(e => [e.name, e.startTime])].sort((a, b) => a[1] - b[1])`, &marks))
		at := map[string]float64{}
		for _, m := range marks {
			at[fmt.Sprint(m[0])] = m[1].(float64)
		}
		phases := []struct{ name, from, to string }{
			{"worker", "", "kubeplay-worker-start"},
			{"compile", "kubeplay-worker-start", "kubeplay-worker-engine-module"},
			{"instance", "kubeplay-worker-engine-module", "kubeplay-worker-engine-instance"},
			{"init", "kubeplay-worker-engine-instance", "kubeplay-worker-go-main"},
			{"storage", "kubeplay-worker-go-main", "kubeplay-worker-storage"},
			{"session", "kubeplay-worker-storage", "kubeplay-worker-session"},
			{"ready", "kubeplay-worker-session", "kubeplay-ready"},
			{"view", "kubeplay-ready", "kubeplay-nodes-ready"},
			{"TOTAL", "", "kubeplay-nodes-ready"},
		}
		var line []string
		for _, ph := range phases {
			line = append(line, fmt.Sprintf("%s %.0f", ph.name, at[ph.to]-at[ph.from]))
		}
		for k, v := range at {
			if strings.HasPrefix(k, "worker-") && strings.HasSuffix(k, "(fetched)") {
				line = append(line, fmt.Sprintf("worker.js %.0f", v))
			}
		}
		if cpu, ok := workerCPU(cmd.Process.Pid); ok {
			line = append(line, fmt.Sprintf("worker-cpu %.0f", cpu))
		}
		fmt.Printf("%-8s %s\n", name, strings.Join(line, " | "))
		if *quiet {
			continue
		}
		fmt.Printf("\n=== %s load: marks (ms from navigation)\n", name)
		for _, m := range marks {
			fmt.Printf("%8.1f  %v\n", m[1], m[0])
		}
		if *then != "" {
			var traced *tracer
			if *trace {
				traced = tr
			}
			profileThen(c, page, worker, eval, *then, *until, *limit, *doProfile, traced, *out, *top, *window)
			return
		}
		if !*doProfile {
			continue
		}
		stopProfiles(c, page, worker, *out, name, name+" load", *top, *window)
	}
}

// profileThen runs the command lines after the boot, profiles the worker
// (and the page) from the last one until the until expression holds, and
// summarizes the profiles: where a scale-up spends its time in the browser.
func profileThen(c *cdp, page, worker string, eval func(string, any) error, then, until string, limit time.Duration, doProfile bool, tr *tracer, out string, top int, window time.Duration) {
	for _, session := range []string{page, worker} {
		if doProfile {
			_, _ = c.send(session, "Profiler.stop", nil) // the boot's: not kept
		}
	}
	lines := strings.Split(then, ";;")
	start := time.Now()
	for i, line := range lines {
		if i == len(lines)-1 && doProfile {
			for _, session := range []string{page, worker} {
				_, err := c.send(session, "Profiler.start", nil)
				must(err)
			}
		}
		if i == len(lines)-1 && tr != nil {
			_, err := c.send("", "Tracing.start", map[string]any{
				"transferMode": "ReportEvents",
				"traceConfig": map[string]any{
					"recordMode":         "recordContinuously",
					"includedCategories": strings.Split(tr.categories, ","),
				},
			})
			must(err)
		}
		if i == len(lines)-1 {
			start = time.Now()
		}
		q, _ := json.Marshal(strings.TrimSpace(line))
		var r struct {
			Output   string
			ExitCode int
		}
		must(eval(fmt.Sprintf(`window.kubeplay.exec(%s)`, q), &r))
		if r.ExitCode != 0 {
			log.Fatalf("%s: exit code %d: %s", line, r.ExitCode, r.Output)
		}
	}
	for {
		var done bool
		if err := eval(until, &done); err != nil {
			log.Fatalf("-until: %v", err)
		}
		if done {
			break
		}
		if time.Since(start) > limit {
			log.Fatalf("-until did not hold in %v", limit)
		}
		time.Sleep(time.Second)
	}
	fmt.Printf("then: %.1f s from the last line until -until held\n", time.Since(start).Seconds())
	if tr != nil {
		_, err := c.send("", "Tracing.end", nil)
		must(err)
		select {
		case <-tr.done:
		case <-time.After(5 * time.Minute):
			log.Fatal("the trace did not complete")
		}
		tr.write(filepath.Join(out, "then-trace.json"))
		tr.longTasks(top)
	}
	if !doProfile {
		return
	}
	stopProfiles(c, page, worker, out, "then", "after the lines", top, window)
}

// stopProfiles stops the page's and the worker's profilers, writes each
// profile to out as PREFIX-THREAD.cpuprofile and summarizes it under title.
func stopProfiles(c *cdp, page, worker, out, prefix, title string, top int, window time.Duration) {
	for _, who := range []struct{ name, session string }{{"page", page}, {"worker", worker}} {
		res, err := c.send(who.session, "Profiler.stop", nil)
		if err != nil {
			log.Printf("%s profile: %v", who.name, err)
			continue
		}
		var r struct{ Profile json.RawMessage }
		must(json.Unmarshal(res, &r))
		file := filepath.Join(out, prefix+"-"+who.name+".cpuprofile")
		must(os.WriteFile(file, r.Profile, 0o644))
		var p profile
		must(json.Unmarshal(r.Profile, &p))
		fmt.Printf("\n=== %s, %s thread (%s)\n", title, who.name, file)
		summarize(p, top, window)
	}
}

func summarize(p profile, top int, window time.Duration) {
	parent := map[int]int{}
	byID := map[int]int{}
	for i, n := range p.Nodes {
		byID[n.ID] = i
		for _, ch := range n.Children {
			parent[ch] = n.ID
		}
	}
	fname := func(id int) string {
		n := p.Nodes[byID[id]]
		f := n.CallFrame.FunctionName
		if f == "" {
			f = "(anonymous " + filepath.Base(n.CallFrame.URL) + ")"
		}
		return f
	}
	self := map[string]float64{}
	total := map[string]float64{}
	t := p.StartTime
	type bucket map[string]float64
	var windows []bucket
	var sum float64
	for i, id := range p.Samples {
		dt := float64(p.TimeDeltas[i]) / 1000
		t += float64(p.TimeDeltas[i])
		// The time until the next sample belongs to this one.
		if i+1 < len(p.TimeDeltas) {
			dt = float64(p.TimeDeltas[i+1]) / 1000
		}
		name := fname(id)
		self[name] += dt
		sum += dt
		seen := map[string]bool{}
		var stack []string
		for x, ok := id, true; ok; x, ok = parent[x] {
			f := fname(x)
			stack = append(stack, f)
			if !seen[f] {
				seen[f] = true
				total[f] += dt
			}
		}
		w := int((t - p.StartTime) / float64(window.Microseconds()))
		for len(windows) <= w {
			windows = append(windows, bucket{})
		}
		windows[w][phase(name, stack)] += dt
	}
	fmt.Printf("profile: %.0f ms\n", (p.EndTime-p.StartTime)/1000)
	list := func(title string, m map[string]float64) {
		kvs := byValue(m)
		fmt.Printf("-- %s\n", title)
		for i, e := range kvs {
			if i >= top {
				break
			}
			fmt.Printf("%8.1f ms %5.1f%%  %s\n", e.v, 100*e.v/sum, e.k)
		}
	}
	list("self", self)
	list("total", total)
	fmt.Printf("-- timeline (%v windows: the phase with its ms)\n", window)
	for i, b := range windows {
		var parts []string
		for _, e := range byValue(b) {
			if e.v >= 2 {
				parts = append(parts, fmt.Sprintf("%s %.0f", e.k, e.v))
			}
		}
		fmt.Printf("%6d ms  %s\n", i*int(window.Milliseconds()), strings.Join(parts, ", "))
	}
}

type kv struct {
	k string
	v float64
}

// byValue returns m's entries, the largest value first.
func byValue(m map[string]float64) []kv {
	var kvs []kv
	for k, v := range m {
		kvs = append(kvs, kv{k, v})
	}
	sort.Slice(kvs, func(i, j int) bool { return kvs[i].v > kvs[j].v })
	return kvs
}

// phase names what a sample's stack was doing, by the outermost frame
// that says.
func phase(leaf string, stack []string) string {
	if leaf == "(idle)" || leaf == "(program)" || leaf == "(garbage collector)" {
		return leaf
	}
	marks := []struct{ sub, name string }{
		{"runtime.gcBgMarkWorker", "go-gc"},
		{"runtime.bgsweep", "go-gc"},
		{"runtime.gcStart", "go-gc"},
		{"hackpadfs", "idb-fs"},
		{"go-indexeddb", "idb-fs"},
		{"engine/store.", "store"},
		{"engine/pki", "pki"},
		{"crypto/", "crypto"},
		{"engine/kubelet", "kubelet"},
		{"engine/scheduler", "scheduler"},
		{"engine/controller", "controllers"},
		{"engine/apiserver", "apiserver"},
		{"engine/cluster", "cluster"},
		{"engine/session", "session"},
		{"engine/page", "page"},
		{"runtime.mallocgc", "alloc"},
		{"runtime.doInit", "go-init"},
		{"runtime.main", "go-main"},
		{"main.main", "main"},
		{"runtime.", "go-runtime"},
		{"syscall/js", "syscall/js"},
	}
	for _, m := range marks {
		for _, f := range stack {
			if strings.Contains(f, m.sub) {
				return m.name
			}
		}
	}
	return "other: " + leaf
}

// workerCPU returns the CPU time, in ms, of the newest DedicatedWorker
// thread among the browser's descendants: the engine's worker, whose
// CPU time says what its boot cost regardless of the machine's load.
func workerCPU(browser int) (float64, bool) {
	parents := map[int]int{}
	procs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, f := range procs {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var pid, ppid int
		i := strings.LastIndexByte(string(b), ')')
		fields := strings.Fields(string(b)[i+2:])
		fmt.Sscan(filepath.Base(filepath.Dir(f)), &pid)
		fmt.Sscan(fields[1], &ppid)
		parents[pid] = ppid
	}
	mine := func(pid int) bool {
		for n := 0; pid > 1 && n < 10; n++ {
			if pid == browser {
				return true
			}
			pid = parents[pid]
		}
		return false
	}
	var best, started int64 = -1, -1
	for pid := range parents {
		if !mine(pid) {
			continue
		}
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/[0-9]*", pid))
		for _, t := range tasks {
			comm, _ := os.ReadFile(t + "/comm")
			if strings.TrimSpace(string(comm)) != "DedicatedWorker" {
				continue
			}
			b, err := os.ReadFile(t + "/stat")
			if err != nil {
				continue
			}
			i := strings.LastIndexByte(string(b), ')')
			fields := strings.Fields(string(b)[i+2:])
			var ut, st, start int64
			fmt.Sscan(fields[11], &ut)
			fmt.Sscan(fields[12], &st)
			fmt.Sscan(fields[19], &start)
			if start >= started {
				started, best = start, ut+st
			}
		}
	}
	return float64(best) * 10, best >= 0 // USER_HZ is 100
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
