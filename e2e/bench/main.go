// Command bench runs the engine's benchmarks natively (go test -bench) and
// in headless Chromium (the same test binaries compiled as js/wasm, run by
// bench.html), prints one table (benchmark, native, browser, ratio,
// target) and writes it into docs/benchmarks.md between its markers.
//
//	go run ./e2e/bench [-only REGEXP] [-benchtime T] [-page] [-write] [-jsprofile FILE]
//
// `make bench` runs it with -page -write. It needs the images built
// (make images), Chromium, and for -page the site (make build).
//
// The benchmarks are built with the engine's patched wazero (go run
// ./wasmworkloads/build -engine-modfile), as the page's engine is:
// -plain-wazero builds them with the wazero go.mod requires.
package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

//go:embed bench.html
var benchHTML []byte

// A job is one go test -bench run: a package and a pattern.
type job struct {
	pkg, pattern, benchtime string
	browser                 bool // also in Chromium (the package builds for js/wasm)
	browserArgs             []string
}

// The benchmarks issue 9 gathers. Micro benchmarks run for a short fixed
// time; the scale scenarios once.
var jobs = []job{
	{"./engine/apiserver", ".", "0.3s", true, nil},
	{"./engine/scheduler", ".", "1x", true, nil},
	{"./engine/kubectl", ".", "0.3s", true, nil},
	{"./engine/cluster", "^BenchmarkBoot$", "3x", true, nil},
	// In the browser only to Available: the churn and the rolling update
	// would outlast the time limit.
	{"./engine/cluster", "^BenchmarkScale$/^1000pods-100fake$", "1x", true, availableOnly},
	{"./engine/cluster", "^BenchmarkScale$/^1000pods-3nodes$", "1x", true, availableOnly},
	{"./engine/cluster", "^BenchmarkScale$/^10000pods-1000fake$", "1x", true, availableOnly},
	{"./engine/cluster", "^BenchmarkScale$/^100nginx-3nodes$", "1x", true, availableOnly},
	{"./engine/session", ".", "3x", true, nil},
	{"./engine/runtime", "^BenchmarkContainerStart$", "20x", true, nil},
	{"./engine/network", ".", "100x", true, nil},
	// getrusage does not build for js/wasm.
	{"./engine/controller/deployment", "^BenchmarkDeployment$/^100replicas", "1x", false, nil},
}

var availableOnly = []string{"-scale.available-only"}

// result is one metric of one benchmark.
type result struct {
	value float64
	unit  string
}

// run holds what a job printed, by benchmark name and unit.
type run map[string]map[string]float64

func main() {
	only := flag.String("only", "", "run only the jobs whose package or pattern matches")
	page := flag.Bool("page", false, "also measure the playground page (e2e TestPageMeasures; needs make build)")
	write := flag.Bool("write", false, "write the table into docs/benchmarks.md")
	noBrowser := flag.Bool("native", false, "run natively only")
	noNative := flag.Bool("browser", false, "run in the browser only")
	timeout := flag.Duration("timeout", 30*time.Minute, "the longest a job may take, natively or in the browser")
	benchtime := flag.String("benchtime", "", "go test's -benchtime for the selected jobs, instead of each job's own")
	flag.StringVar(&jsProfile, "jsprofile", "", "write V8's CPU profile of the browser runs to this file (a .cpuprofile), and a summary to FILE.txt")
	plain := flag.Bool("plain-wazero", false, "build the benchmarks with the wazero go.mod requires, not the engine's patched one")
	flag.Parse()
	root, err := repoRoot()
	check(err)
	if !*plain {
		modfile, err = engineModfile(root)
		check(err)
		defer os.RemoveAll(filepath.Dir(modfile))
	}
	var selected []job
	for _, j := range jobs {
		if *only == "" || regexp.MustCompile(*only).MatchString(j.pkg+" "+j.pattern) {
			if *benchtime != "" {
				j.benchtime = *benchtime
			}
			selected = append(selected, j)
		}
	}
	native, browserRuns := run{}, run{}
	var chromium string
	var br *bench
	if !*noBrowser {
		br, err = newBench(root)
		check(err)
		defer br.close()
		chromium = br.version
	}
	failed := map[string]*row{} // jobs that printed no figure, by label
	fail := func(j job, err error, set func(*row, string)) {
		label := strings.TrimPrefix(j.pkg, "./engine/") + " " + j.pattern
		if failed[label] == nil {
			failed[label] = &row{name: label, unit: "ns/op"}
		}
		set(failed[label], err.Error())
	}
	for _, j := range selected {
		if !*noNative {
			fmt.Fprintf(os.Stderr, "native  %s %s\n", j.pkg, j.pattern)
			out, err := nativeRun(root, j, *timeout)
			got := parse(out)
			merge(native, got, j.pkg)
			report(err, out)
			if err != nil && len(got) == 0 {
				fail(j, err, func(r *row, s string) { r.nativeNote = s })
			}
		}
		if br == nil || !j.browser {
			continue
		}
		fmt.Fprintf(os.Stderr, "browser %s %s\n", j.pkg, j.pattern)
		out, mem, err := br.run(j, *timeout)
		got := parse(out)
		if j.pkg == "./engine/cluster" {
			addMemory(got, mem)
		}
		merge(browserRuns, got, j.pkg)
		report(err, out)
		if err != nil && len(got) == 0 {
			fail(j, err, func(r *row, s string) { r.browserNote = s })
		}
	}
	var pageRows []row
	if *page {
		pageRows, err = pageMeasures(root)
		if err != nil {
			fmt.Fprintf(os.Stderr, "page measures: %v\n", err)
		}
	}
	rows := table(native, browserRuns)
	for _, label := range slices.Sorted(maps.Keys(failed)) {
		rows = append(rows, *failed[label])
	}
	rows = append(rows, pageRows...)
	text := render(rows, header(chromium))
	fmt.Print(text)
	if *write {
		check(writeDoc(filepath.Join(root, "docs", "benchmarks.md"), text))
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func report(err error, out string) {
	if err == nil {
		return
	}
	fmt.Fprintf(os.Stderr, "  failed: %v\n", err)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	fmt.Fprintln(os.Stderr, "  "+strings.Join(lines[max(0, len(lines)-15):], "\n  "))
}

func repoRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	return filepath.Dir(strings.TrimSpace(string(out))), nil
}

// modfile is the go.mod the benchmarks are built with (go's -modfile),
// or none.
var modfile string

// modfileArgs are the go command's arguments for modfile.
func modfileArgs() []string {
	if modfile == "" {
		return nil
	}
	return []string{"-modfile=" + modfile}
}

// engineModfile returns a go.mod that builds the repository with the
// engine's patched wazero (wasmworkloads/internal/wasmbuild).
func engineModfile(root string) (string, error) {
	cmd := exec.Command("go", "run", "./wasmworkloads/build", "-engine-modfile")
	cmd.Dir = root
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("the engine's go.mod: %v", err)
	}
	return strings.TrimSpace(string(out)), nil
}

func nativeRun(root string, j job, timeout time.Duration) (string, error) {
	// go test's own -timeout ends the test binary; the context, go
	// itself should that fail.
	ctx, cancel := context.WithTimeout(context.Background(), timeout+5*time.Minute)
	defer cancel()
	args := append([]string{"test"}, modfileArgs()...)
	cmd := exec.CommandContext(ctx, "go", append(args, "-run", "^$", "-bench", j.pattern, "-benchmem", "-benchtime", j.benchtime, "-timeout", timeout.String(), j.pkg)...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil || bytes.Contains(out, []byte("panic: test timed out")) {
		err = fmt.Errorf("did not finish in %v", timeout)
	}
	return string(out), err
}

// benchLine is a line of go test -bench output.
var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+(\d+)\s+(.*)$`)

// parse reads go test -bench output: each benchmark's metrics by unit.
func parse(out string) run {
	r := run{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		fields := strings.Fields(m[4])
		metrics := map[string]float64{}
		for i := 0; i+1 < len(fields); i += 2 {
			if v, err := strconv.ParseFloat(fields[i], 64); err == nil {
				metrics[fields[i+1]] = v
			}
		}
		r[m[1]] = metrics
	}
	return r
}

func merge(into, from run, pkg string) {
	short := strings.TrimPrefix(pkg, "./engine/")
	for name, m := range from {
		into[short+" "+strings.TrimPrefix(name, "Benchmark")] = m
	}
}

// addMemory books the tab's memory at the end of a job on its benchmark
// when it ran alone (a scale scenario).
func addMemory(r run, mem memory) {
	if len(r) != 1 || mem.WasmBytes == 0 {
		return
	}
	for _, m := range r {
		m["wasm-MB"] = mem.WasmBytes / (1 << 20)
		if mem.JSHeapBytes > 0 {
			m["js-heap-MB"] = mem.JSHeapBytes / (1 << 20)
		}
	}
}

// bench serves bench.html, wasm_exec.js and the test binaries to a
// headless Chromium.
type bench struct {
	root, dir string
	url       string
	srv       *http.Server
	ctx       context.Context
	cancel    []context.CancelFunc
	version   string
	built     map[string]string
}

func newBench(root string) (*bench, error) {
	dir, err := os.MkdirTemp("", "kubeplay-bench-")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "index.html"), benchHTML, 0o644); err != nil {
		return nil, err
	}
	execJS, err := os.ReadFile(filepath.Join(runtime.GOROOT(), "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "wasm_exec.js"), execJS, 0o644); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b := &bench{root: root, dir: dir, url: "http://" + ln.Addr().String() + "/", built: map[string]string{}}
	b.srv = &http.Server{Handler: http.FileServer(http.Dir(dir))}
	go func() { _ = b.srv.Serve(ln) }()
	path := chromiumPath()
	if path == "" {
		return nil, errors.New("chromium is not installed (apt-get install -y chromium); run with -native")
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("enable-precise-memory-info", true),
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
	)
	ctx, cancel2 := chromedp.NewContext(actx)
	b.ctx, b.cancel = ctx, []context.CancelFunc{cancel2, cancel}
	// The first run starts the browser; it must not carry a timeout.
	ua, err := chromedp.Run(ctx, chromedp.Evaluate[string]("navigator.userAgent"))
	if err != nil {
		return nil, err
	}
	b.version = "Chromium (headless) " + regexp.MustCompile(`Chrome/([0-9.]+)`).FindStringSubmatch(ua + " Chrome/?")[1]
	if out, err := exec.Command(path, "--version").Output(); err == nil {
		b.version = strings.TrimSpace(string(out)) + ", headless"
	}
	return b, nil
}

func (b *bench) close() {
	for _, c := range b.cancel {
		c()
	}
	_ = b.srv.Close()
	_ = os.RemoveAll(b.dir)
}

func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// memory is the tab's at the end of a job: the wasm linear memory (which
// only grows, so its peak) and the JS heap.
type memory struct {
	WasmBytes   float64 `json:"wasmBytes"`
	JSHeapBytes float64 `json:"jsHeapBytes"`
}

// compile builds a package's tests for js/wasm, once.
func (b *bench) compile(pkg string) (string, error) {
	if name, ok := b.built[pkg]; ok {
		return name, nil
	}
	name := strings.ReplaceAll(strings.TrimPrefix(pkg, "./"), "/", "_") + ".wasm"
	args := append([]string{"test"}, modfileArgs()...)
	cmd := exec.Command("go", append(args, "-c", "-o", filepath.Join(b.dir, name), pkg)...)
	cmd.Dir = b.root
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go test -c %s for js/wasm: %v\n%s", pkg, err, out)
	}
	b.built[pkg] = name
	return name, nil
}

func (b *bench) run(j job, timeout time.Duration) (string, memory, error) {
	var mem memory
	name, err := b.compile(j.pkg)
	if err != nil {
		return "", mem, err
	}
	q := []string{"wasm=" + name}
	for _, a := range []string{"-test.run=^$", "-test.bench=" + j.pattern, "-test.benchmem", "-test.benchtime=" + j.benchtime, "-test.timeout=" + timeout.String()} {
		q = append(q, "arg="+queryEscape(a))
	}
	for _, a := range j.browserArgs {
		q = append(q, "arg="+queryEscape(a))
	}
	tab, cancel := chromedp.NewContext(b.ctx)
	defer cancel()
	ctx, cancel2 := context.WithTimeout(tab, timeout+time.Minute)
	defer cancel2()
	type pageState struct {
		Lines    []string `json:"lines"`
		Done     bool     `json:"done"`
		Error    *string  `json:"error"`
		ExitCode *int     `json:"exitCode"`
		memory
	}
	var state pageState
	err = b.profiled(ctx, chromedp.Steps(chromedp.Navigate(b.url+"index.html?"+strings.Join(q, "&")),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Poll[bool](`window.bench && window.bench.done`, chromedp.WithPollingInterval(time.Second), chromedp.WithPollingTimeout(timeout))(ctx, t)
			return err
		})))
	if err == nil {
		state, err = chromedp.Run(tab, chromedp.Evaluate[pageState](`window.bench`))
	}
	out := strings.Join(state.Lines, "\n")
	switch {
	case ctx.Err() != nil || strings.Contains(out, "panic: test timed out"):
		err = fmt.Errorf("did not finish in %v", timeout)
	case err != nil:
	case state.Error != nil:
		err = errors.New(*state.Error)
	case state.ExitCode != nil && *state.ExitCode != 0:
		err = fmt.Errorf("exit code %d", *state.ExitCode)
	}
	return out, state.memory, err
}

func queryEscape(s string) string {
	var buf bytes.Buffer
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			buf.WriteByte(c)
		} else {
			fmt.Fprintf(&buf, "%%%02X", c)
		}
	}
	return buf.String()
}

// engineRow is a figure the engine's memory op gave; TestPageAt10000Pods
// writes 0 when the op did not answer in 30 s.
func engineRow(name string, v float64) row {
	if v == 0 {
		return row{name: name, unit: "B", browserNote: "no answer in 30 s"}
	}
	return row{name: name, browser: v, unit: "B", hasB: true}
}

// pageMeasures runs e2e's TestPageMeasures and reads what it wrote.
func pageMeasures(root string) ([]row, error) {
	cmd := exec.Command("go", "test", "./e2e", "-run", "^TestPage(Measures|AtScale|At10000Pods)$", "-count=1", "-timeout", "30m")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "KUBEPLAY_E2E=1", "KUBEPLAY_PAGE_SCALE=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(root, "build", "e2e", "measures.json"))
	if err != nil {
		return nil, err
	}
	var m struct {
		Cold        float64            `json:"usable_cold_ms"`
		Cached      float64            `json:"usable_cached_ms"`
		Transferred map[string]float64 `json:"transferred_cold_bytes"`
		P50         float64            `json:"frame_p50_ms"`
		P95         float64            `json:"frame_p95_ms"`
		Max         float64            `json:"frame_max_ms"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	data, err = os.ReadFile(filepath.Join(root, "build", "e2e", "scale.json"))
	if err != nil {
		return nil, err
	}
	var sc struct {
		Available float64 `json:"available_1000_fake_ms"`
		True      float64 `json:"true_p50_ms"`
		GetPods   float64 `json:"get_pods_1000_p50_ms"`
		GetMax    float64 `json:"get_pods_1000_max_ms"`
		ChurnP95  float64 `json:"churn_1000_frame_p95_ms"`
		ChurnMax  float64 `json:"churn_1000_frame_max_ms"`
	}
	if err := json.Unmarshal(data, &sc); err != nil {
		return nil, err
	}
	data, err = os.ReadFile(filepath.Join(root, "build", "e2e", "scale10k.json"))
	if err != nil {
		return nil, err
	}
	var big struct {
		Available float64 `json:"available_10000_ms"`
		GetNodes  float64 `json:"get_nodes_during_max_ms"`
		UpLongMax float64 `json:"scaleup_longtask_max_ms"`
		DrawnP95  float64 `json:"drawn_10000_frame_p95_ms"`
		DrawnLong float64 `json:"drawn_10000_longtask_max"`
		TabRSS    float64 `json:"tab_rss_bytes"`
		Renderer  float64 `json:"tab_renderer_rss_bytes"`
		Private   float64 `json:"tab_private_bytes"`
		Engine    float64 `json:"engine_total_bytes"`
		Live      float64 `json:"engine_heap_live_bytes"`
	}
	if err := json.Unmarshal(data, &big); err != nil {
		return nil, err
	}
	ms := func(v float64) float64 { return v * 1e6 }
	return []row{
		{name: "page: 10,000 pause pods on 1,000 fake nodes, typed commands to Available", browser: ms(big.Available), unit: "ns/op", target: "under 10 s (issue 9)", limit: ms(10000), hasB: true},
		{name: "page: `kubectl get nodes` typed during that scale-up (slowest)", browser: ms(big.GetNodes), unit: "ns/op", target: "under 100 ms", limit: ms(100), hasB: true},
		{name: "page: longest main-thread task during that scale-up", browser: ms(big.UpLongMax), unit: "ns/op", target: "under 50 ms", limit: ms(50), hasB: true},
		{name: "page: frame time p95 with the 10,000 pods drawn", browser: ms(big.DrawnP95), unit: "ns/op", target: "30 fps: under 33 ms", limit: ms(33.4), hasB: true},
		{name: "page: longest main-thread task with the 10,000 pods drawn", browser: ms(big.DrawnLong), unit: "ns/op", target: "under 50 ms", limit: ms(50), hasB: true},
		{name: "page: the tab's memory footprint (what its renderer process, with the worker, has resident to itself) at 10,000 pods", browser: big.Private, unit: "B", target: "under 1 GiB", limit: 1 << 30, hasB: true},
		{name: "page: the tab's resident memory, the browser's shared code pages included", browser: big.Renderer, unit: "B", hasB: true},
		{name: "page: the same, every renderer process of the browser (the omnibox popup's and a spare one too)", browser: big.TabRSS, unit: "B", hasB: true},
		engineRow("page: the engine's wasm memory (all the Go runtime took) at 10,000 pods", big.Engine),
		engineRow("page: the engine's Go heap live at the last collection", big.Live),
		{name: "page: 1,000 pause pods on 10 fake nodes, typed commands to Available", browser: ms(sc.Available), unit: "ns/op", hasB: true},
		{name: "page: `kubectl get pods` over 1,000 pods, typed, to the next prompt (p50)", browser: ms(sc.GetPods), unit: "ns/op", target: "under 30 ms (issue 7)", limit: ms(30), hasB: true},
		{name: "page: the same, slowest of 10", browser: ms(sc.GetMax), unit: "ns/op", hasB: true},
		{name: "page: `true` beside 1,000 pods, to the next prompt (p50)", browser: ms(sc.True), unit: "ns/op", hasB: true},
		{name: "page: frame time p95 while 1,000 pods are replaced (a rollout at max speed)", browser: ms(sc.ChurnP95), unit: "ns/op", target: "p95 under 50 ms (issue 8)", limit: ms(50), hasB: true},
		{name: "page: longest frame while 1,000 pods are replaced", browser: ms(sc.ChurnMax), unit: "ns/op", hasB: true},
		{name: "page: navigation to a usable terminal, three Ready nodes, cold", browser: ms(m.Cold), unit: "ns/op", target: "under 2 s (issue 8)", limit: ms(2000), hasB: true},
		{name: "page: the same, cached", browser: ms(m.Cached), unit: "ns/op", target: "under 1 s (issue 8)", limit: ms(1000), hasB: true},
		{name: "page: frame time p50, 300 pods start, roll, scale down", browser: ms(m.P50), unit: "ns/op", hasB: true},
		{name: "page: frame time p95", browser: ms(m.P95), unit: "ns/op", hasB: true},
		{name: "page: longest frame (a main-thread task over 50 ms shows here)", browser: ms(m.Max), unit: "ns/op", target: "under 50 ms", limit: ms(50), hasB: true},
		{name: "size: bytes transferred, cold load, page and engine", browser: m.Transferred["total"], unit: "B", target: "under 3 MB", limit: 3e6, hasB: true},
	}, nil
}
