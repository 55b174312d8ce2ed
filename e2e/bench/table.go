package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"time"
)

// row is one line of the table.
type row struct {
	name          string
	unit          string
	native        float64
	browser       float64
	hasN, hasB    bool
	target        string
	limit         float64 // the browser's figure must be at most this (at least, when higherBetter)
	higherBetter  bool
	nativeFactor  float64 // natively the figure must be this much better (3 by default)
	noNativeCheck bool
	// nativeNote and browserNote say why a figure is missing (a run
	// that did not finish).
	nativeNote, browserNote string
}

// targets are issue 9's, and the earlier issues', by benchmark and unit.
var targets = map[string]row{
	"cluster Scale/10000pods-1000fake|ns/op":                              {target: "under 10 s", limit: 10e9},
	"cluster Scale/10000pods-1000fake|rollout-s":                          {target: "under 20 s (issue 8's rolling update)", limit: 20},
	"cluster Scale/10000pods-1000fake|wasm-MB":                            {target: "tab under 1 GiB", limit: 1024, noNativeCheck: true},
	"cluster Scale/10000pods-1000fake|js-heap-MB":                         {target: "tab under 1 GiB", limit: 1024, noNativeCheck: true},
	"cluster Scale/10000pods-1000fake|list-all-ms":                        {target: "under 20 ms (issue 7's list)", limit: 20},
	"kubectl GetPods1000|ns/op":                                           {target: "under 30 ms (issue 7)", limit: 30e6},
	"apiserver ListPods/all-namespaces|ns/op":                             {target: "under 20 ms", limit: 20e6},
	"apiserver WatchFanout|ns/op":                                         {target: "under 1 ms", limit: 1e6},
	"scheduler Schedule10kPodsOn1kNodes|pods/s":                           {target: "at least 5,000 pods/s (scheduler_perf: 680)", limit: 5000, higherBetter: true},
	"network RequestsThroughService/nginx|req/s":                          {target: "100 requests/s", limit: 100, higherBetter: true},
	"runtime ContainerStart/busybox|p50-ms":                               {target: "under 50 ms (issue 6)", limit: 50},
	"cluster Scale/1000pods-100fake|ns/op":                                {target: "webernetes: 21.8 s", limit: 21.8e9},
	"cluster Scale/1000pods-3nodes|ns/op":                                 {target: "webernetes: not in 60 s", limit: 60e9},
	"cluster Scale/100nginx-3nodes|ns/op":                                 {target: "under 10 s (issue 6)", limit: 10e9},
	"cluster Boot|ns/op":                                                  {target: "", limit: 0},
	"controller/deployment Deployment/100replicas-10nodes|s-to-available": {target: ""},
}

// skipUnits are metrics left out of the table (go test prints them for
// every benchmark).
var skipUnits = map[string]bool{"B/op": true, "allocs/op": true, "MB/s": true}

// table joins the native and browser runs.
func table(native, browser run) []row {
	names := map[string]bool{}
	for n := range native {
		names[n] = true
	}
	for n := range browser {
		names[n] = true
	}
	var out []row
	for _, name := range sortedKeys(names) {
		units := map[string]bool{}
		for u := range native[name] {
			units[u] = true
		}
		for u := range browser[name] {
			units[u] = true
		}
		for _, u := range orderUnits(units) {
			if skipUnits[u] {
				continue
			}
			r := targets[name+"|"+u]
			r.name, r.unit = name, u
			r.native, r.hasN = native[name][u]
			r.browser, r.hasB = browser[name][u]
			out = append(out, r)
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// orderUnits puts ns/op first.
func orderUnits(units map[string]bool) []string {
	out := sortedKeys(units)
	sort.SliceStable(out, func(i, j int) bool { return out[i] == "ns/op" && out[j] != "ns/op" })
	return out
}

// format writes a figure in its unit, readably.
func format(v float64, unit string) string {
	switch {
	case unit == "ns/op":
		return time.Duration(v).Round(roundTo(time.Duration(v))).String()
	case strings.HasSuffix(unit, "-s") || strings.HasPrefix(unit, "s-"):
		return time.Duration(v * 1e9).Round(roundTo(time.Duration(v * 1e9))).String()
	case strings.HasSuffix(unit, "-ms"):
		return fmt.Sprintf("%.3g ms", v)
	case strings.HasSuffix(unit, "-MB"):
		return fmt.Sprintf("%.0f MiB", v)
	case unit == "B":
		return fmt.Sprintf("%.2f MB", v/1e6)
	}
	return fmt.Sprintf("%.4g %s", v, unit)
}

func roundTo(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second:
		return 100 * time.Millisecond
	case d >= time.Second:
		return 10 * time.Millisecond
	case d >= time.Millisecond:
		return 10 * time.Microsecond
	case d >= time.Microsecond:
		return 10 * time.Nanosecond
	}
	return 1
}

// lowerBetter reports whether a smaller figure is better: times and
// sizes, not rates.
func (r row) lowerBetter() bool { return !strings.Contains(r.unit, "/s") }

// ratio is browser over native, as slowness: for a rate, native over
// browser.
func (r row) ratio() (float64, bool) {
	if !r.hasN || !r.hasB || r.native == 0 || r.browser == 0 {
		return 0, false
	}
	if r.lowerBetter() {
		return r.browser / r.native, true
	}
	return r.native / r.browser, true
}

// verdict says whether the row's target is met, and by how much it is
// missed: the browser's figure against the limit, the native figure
// against a third of it, and the browser within 3× of native.
func (r row) verdict() string {
	var missed []string
	if r.limit != 0 {
		factor := func(v float64) float64 {
			if r.higherBetter {
				return r.limit / v
			}
			return v / r.limit
		}
		if r.hasB {
			if f := factor(r.browser); f > 1 {
				missed = append(missed, fmt.Sprintf("browser %.1f× over", f))
			}
		}
		if r.hasN && !r.noNativeCheck {
			nf := 3.0
			if f := factor(r.native) * nf; f > 1 {
				missed = append(missed, fmt.Sprintf("native %.1f× over a third", f))
			}
		}
	}
	if q, ok := r.ratio(); ok && q > 3 && !strings.HasPrefix(r.unit, "virtual") {
		missed = append(missed, fmt.Sprintf("ratio %.1f× over 3", q/3))
	}
	switch {
	case len(missed) > 0:
		return "missed: " + strings.Join(missed, "; ")
	case r.limit != 0 || (r.hasN && r.hasB):
		return "met"
	}
	return ""
}

func render(rows []row, head string) string {
	var b bytes.Buffer
	b.WriteString(head)
	b.WriteString("\n| benchmark | native | browser | browser/native | target | |\n|---|---|---|---|---|---|\n")
	for _, r := range rows {
		name := r.name
		if r.unit != "ns/op" && r.unit != "B" {
			name += " (" + r.unit + ")"
		}
		n, br, q := or(r.nativeNote, "–"), or(r.browserNote, "–"), "–"
		if r.hasN {
			n = format(r.native, r.unit)
		}
		if r.hasB {
			br = format(r.browser, r.unit)
		}
		if v, ok := r.ratio(); ok {
			q = fmt.Sprintf("%.2f", v)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", name, n, br, q, r.target, r.verdict())
	}
	return b.String()
}

// header says when and where the figures were taken.
func header(chromium string) string {
	goVersion := runtime.Version()
	if out, err := exec.Command("go", "env", "GOVERSION").Output(); err == nil {
		goVersion = strings.TrimSpace(string(out))
	}
	if chromium == "" {
		chromium = "not run"
	}
	load := ""
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = ", load average " + strings.Join(strings.Fields(string(b))[:3], " ")
	}
	return fmt.Sprintf("Taken %s by `make bench` on %s; %s, %s%s.\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), machine(), goVersion, chromium, load)
}

// machine describes the host: cores, memory, CPU model.
func machine() string {
	cores := runtime.NumCPU()
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(strings.SplitN(string(b), "\n", 2)[0], "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf(", %.0f GB", float64(kb)/(1<<20))
		}
	}
	model := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				model = " (" + strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":")) + ")"
				break
			}
		}
	}
	return fmt.Sprintf("%d cores%s%s", cores, model, mem)
}

const beginMark, endMark = "<!-- make bench: begin -->", "<!-- make bench: end -->"

// writeDoc puts the table between the markers of docs/benchmarks.md,
// keeping the rest of it (the notes on what was profiled and changed).
func writeDoc(path, text string) error {
	doc, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(doc)
	i, j := strings.Index(s, beginMark), strings.Index(s, endMark)
	if i < 0 || j < i {
		return errors.New(path + ": the markers of the table are missing")
	}
	s = s[:i+len(beginMark)] + "\n" + text + s[j:]
	return os.WriteFile(path, []byte(s), 0o644)
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
