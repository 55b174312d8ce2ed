package shell

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hack-pad/hackpadfs"
	"mvdan.cc/sh/v3/interp"

	"github.com/kubeplay/kubeplay/engine/kubectl"
)

// builtin is a command of the shell besides the interpreter's own builtins
// (echo, printf, cd, pwd, export, test, read, ...).
type builtin struct {
	help string
	run  func(s *Shell, ctx context.Context, hc interp.HandlerContext, args []string) int
}

var builtins map[string]builtin

func init() {
	builtins = map[string]builtin{
		"kubectl": {"control the cluster", (*Shell).kubectlCmd},
		"k":       {"alias of kubectl", (*Shell).kubectlCmd},
		"cat":     {"print files", (*Shell).cat},
		"ls":      {"list files", (*Shell).ls},
		"mkdir":   {"make directories (-p)", (*Shell).mkdir},
		"rm":      {"remove files (-r, -f)", (*Shell).rm},
		"touch":   {"create empty files", (*Shell).touch},
		"head":    {"first lines (-n N)", (*Shell).head},
		"tail":    {"last lines (-n N)", (*Shell).tail},
		"wc":      {"count lines, words, bytes (-l, -w, -c)", (*Shell).wc},
		"grep":    {"search lines (-i, -v, -c, -n, -E)", (*Shell).grep},
		"sort":    {"sort lines (-r, -n, -u)", (*Shell).sort},
		"base64":  {"encode or decode (-d) base64", (*Shell).base64},
		"sleep":   {"wait, in cluster time", (*Shell).sleep},
		"clear":   {"clear the screen", (*Shell).clear},
		"history": {"list the commands run so far", (*Shell).historyCmd},
		"help":    {"this list", (*Shell).help},
	}
}

// execMiddleware runs the shell's commands; anything else is not found.
func (s *Shell) execMiddleware(next interp.ExecHandlerFunc) interp.ExecHandlerFunc {
	return func(ctx context.Context, args []string) error {
		hc := interp.HandlerCtx(ctx)
		b, ok := builtins[args[0]]
		if !ok {
			fmt.Fprintf(hc.Stderr, "kubeplay: %s: command not found\n", args[0])
			return interp.NewExitStatus(127)
		}
		if code := b.run(s, ctx, hc, args[1:]); code != 0 {
			return interp.NewExitStatus(uint8(code))
		}
		return nil
	}
}

func (s *Shell) kubectlCmd(ctx context.Context, hc interp.HandlerContext, args []string) int {
	in := hc.Stdin
	if usesStdin(args) && in != nil {
		// Read stdin before taking the cluster: in a pipeline the command
		// writing it may need the cluster too.
		data, _ := io.ReadAll(in)
		in = bytes.NewReader(data)
	}
	s.cfg.Lock()
	defer s.cfg.Unlock()
	return s.kubectl.Run(ctx, kubectl.IO{In: in, Out: hc.Stdout, Err: hc.Stderr}, args)
}

func usesStdin(args []string) bool {
	for i, a := range args {
		if a == "-f=-" || a == "--filename=-" || (a == "-f" || a == "--filename") && i+1 < len(args) && args[i+1] == "-" {
			return true
		}
	}
	return false
}

// sleep waits in cluster time: natively it takes no real time at all.
func (s *Shell) sleep(ctx context.Context, hc interp.HandlerContext, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(hc.Stderr, "sleep: missing operand")
		return 1
	}
	var total time.Duration
	for _, a := range args {
		d, err := parseSleep(a)
		if err != nil {
			fmt.Fprintf(hc.Stderr, "sleep: invalid time interval %q\n", a)
			return 1
		}
		total += d
	}
	s.cfg.Lock()
	defer s.cfg.Unlock()
	err := s.cfg.Host.Wait(ctx, total, func() bool { return false })
	if errors.Is(err, context.Canceled) {
		return 130
	}
	return 0
}

func parseSleep(a string) (time.Duration, error) {
	if a == "infinity" {
		return 100 * 365 * 24 * time.Hour, nil
	}
	unit := time.Second
	switch {
	case strings.HasSuffix(a, "s"):
		a = strings.TrimSuffix(a, "s")
	case strings.HasSuffix(a, "m"):
		a, unit = strings.TrimSuffix(a, "m"), time.Minute
	case strings.HasSuffix(a, "h"):
		a, unit = strings.TrimSuffix(a, "h"), time.Hour
	case strings.HasSuffix(a, "d"):
		a, unit = strings.TrimSuffix(a, "d"), 24*time.Hour
	}
	f, err := strconv.ParseFloat(a, 64)
	if err != nil || f < 0 {
		return 0, errors.New("invalid")
	}
	return time.Duration(f * float64(unit)), nil
}

func (s *Shell) clear(ctx context.Context, hc interp.HandlerContext, args []string) int {
	fmt.Fprint(hc.Stdout, "\x1b[H\x1b[2J\x1b[3J")
	return 0
}

func (s *Shell) historyCmd(ctx context.Context, hc interp.HandlerContext, args []string) int {
	for i, h := range s.history {
		fmt.Fprintf(hc.Stdout, "%5d  %s\n", i+1, h)
	}
	return 0
}

func (s *Shell) help(ctx context.Context, hc interp.HandlerContext, args []string) int {
	names := make([]string, 0, len(builtins))
	for n := range builtins {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(hc.Stdout, "kubeplay shell: a POSIX shell (pipes, &&, ||, variables, $(...), here-documents, for/while).")
	fmt.Fprintln(hc.Stdout, "Commands:")
	for _, n := range names {
		fmt.Fprintf(hc.Stdout, "  %-8s %s\n", n, builtins[n].help)
	}
	fmt.Fprintln(hc.Stdout, "Shell builtins: cd pwd echo printf export unset read test [ true false exit")
	return 0
}

// files returns the readers of the file arguments, or stdin when none.
func (s *Shell) inputs(hc interp.HandlerContext, cmd string, names []string, each func(name string, r io.Reader)) int {
	if len(names) == 0 {
		if hc.Stdin != nil {
			each("-", hc.Stdin)
		}
		return 0
	}
	code := 0
	for _, n := range names {
		if n == "-" {
			if hc.Stdin != nil {
				each(n, hc.Stdin)
			}
			continue
		}
		data, err := hackpadfs.ReadFile(s.cfg.FS, fsPath(abs(hc.Dir, n)))
		if err != nil {
			fmt.Fprintf(hc.Stderr, "%s: %s: %s\n", cmd, n, errText(err))
			code = 1
			continue
		}
		each(n, bytes.NewReader(data))
	}
	return code
}

func errText(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "No such file or directory"
	case errors.Is(err, fs.ErrExist):
		return "File exists"
	case errors.Is(err, fs.ErrPermission):
		return "Permission denied"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) && strings.Contains(pe.Err.Error(), "directory") {
		return "Is a directory"
	}
	return err.Error()
}

// flags splits single-letter flags (and -n N style values) from operands.
func flags(args []string, withValue string) (map[string]string, []string) {
	set := map[string]string{}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return set, append(rest, args[i+1:]...)
		}
		if len(a) < 2 || a[0] != '-' || a == "-" {
			rest = append(rest, a)
			continue
		}
		if len(a) > 1 && a[1] >= '0' && a[1] <= '9' && strings.Contains(withValue, "n") {
			set["n"] = a[1:] // head -5
			continue
		}
		for j := 1; j < len(a); j++ {
			c := string(a[j])
			if strings.Contains(withValue, c) {
				v := a[j+1:]
				if v == "" && i+1 < len(args) {
					i++
					v = args[i]
				}
				set[c] = v
				break
			}
			set[c] = "true"
		}
	}
	return set, rest
}

func (s *Shell) cat(ctx context.Context, hc interp.HandlerContext, args []string) int {
	_, names := flags(args, "")
	return s.inputs(hc, "cat", names, func(_ string, r io.Reader) { io.Copy(hc.Stdout, r) })
}

func (s *Shell) ls(ctx context.Context, hc interp.HandlerContext, args []string) int {
	opts, names := flags(args, "")
	if len(names) == 0 {
		names = []string{"."}
	}
	code := 0
	for i, n := range names {
		p := fsPath(abs(hc.Dir, n))
		info, err := hackpadfs.Stat(s.cfg.FS, p)
		if err != nil {
			fmt.Fprintf(hc.Stderr, "ls: cannot access '%s': %s\n", n, errText(err))
			code = 2
			continue
		}
		if !info.IsDir() {
			fmt.Fprintln(hc.Stdout, n)
			continue
		}
		entries, err := hackpadfs.ReadDir(s.cfg.FS, p)
		if err != nil {
			fmt.Fprintf(hc.Stderr, "ls: cannot open directory '%s': %s\n", n, errText(err))
			code = 2
			continue
		}
		if len(names) > 1 {
			if i > 0 {
				fmt.Fprintln(hc.Stdout)
			}
			fmt.Fprintf(hc.Stdout, "%s:\n", n)
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") && opts["a"] == "" {
				continue
			}
			name := e.Name()
			if e.IsDir() && opts["l"] == "" {
				name += "/"
			}
			if opts["l"] != "" {
				if fi, err := e.Info(); err == nil {
					fmt.Fprintf(hc.Stdout, "%s %8d %s %s\n", fi.Mode(), fi.Size(), fi.ModTime().UTC().Format("Jan _2 15:04"), name)
					continue
				}
			}
			fmt.Fprintln(hc.Stdout, name)
		}
	}
	return code
}

func (s *Shell) mkdir(ctx context.Context, hc interp.HandlerContext, args []string) int {
	opts, names := flags(args, "")
	code := 0
	for _, n := range names {
		p := fsPath(abs(hc.Dir, n))
		var err error
		if opts["p"] != "" {
			err = hackpadfs.MkdirAll(s.cfg.FS, p, 0o755)
		} else {
			err = hackpadfs.Mkdir(s.cfg.FS, p, 0o755)
		}
		if err != nil {
			fmt.Fprintf(hc.Stderr, "mkdir: cannot create directory '%s': %s\n", n, errText(err))
			code = 1
		}
	}
	return code
}

func (s *Shell) rm(ctx context.Context, hc interp.HandlerContext, args []string) int {
	opts, names := flags(args, "")
	code := 0
	for _, n := range names {
		p := fsPath(abs(hc.Dir, n))
		var err error
		if opts["r"] != "" || opts["R"] != "" {
			_, serr := hackpadfs.Stat(s.cfg.FS, p)
			err = serr
			if serr == nil {
				err = hackpadfs.RemoveAll(s.cfg.FS, p)
			}
		} else {
			err = hackpadfs.Remove(s.cfg.FS, p)
		}
		if err != nil && !(opts["f"] != "" && errors.Is(err, fs.ErrNotExist)) {
			fmt.Fprintf(hc.Stderr, "rm: cannot remove '%s': %s\n", n, errText(err))
			code = 1
		}
	}
	return code
}

func (s *Shell) touch(ctx context.Context, hc interp.HandlerContext, args []string) int {
	_, names := flags(args, "")
	code := 0
	for _, n := range names {
		f, err := hackpadfs.OpenFile(s.cfg.FS, fsPath(abs(hc.Dir, n)), hackpadfs.FlagReadWrite|hackpadfs.FlagCreate, 0o644)
		if err != nil {
			fmt.Fprintf(hc.Stderr, "touch: cannot touch '%s': %s\n", n, errText(err))
			code = 1
			continue
		}
		f.Close()
	}
	return code
}

func readLines(r io.Reader) []string {
	var lines []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

func lineCount(opts map[string]string, cmd string, hc interp.HandlerContext) (int, bool) {
	v, ok := opts["n"]
	if !ok {
		return 10, true
	}
	n, err := strconv.Atoi(strings.TrimPrefix(v, "+"))
	if err != nil {
		fmt.Fprintf(hc.Stderr, "%s: invalid number of lines: '%s'\n", cmd, v)
		return 0, false
	}
	return n, true
}

func (s *Shell) head(ctx context.Context, hc interp.HandlerContext, args []string) int {
	opts, names := flags(args, "n")
	n, ok := lineCount(opts, "head", hc)
	if !ok {
		return 1
	}
	return s.inputs(hc, "head", names, func(_ string, r io.Reader) {
		lines := readLines(r)
		for i := 0; i < n && i < len(lines); i++ {
			fmt.Fprintln(hc.Stdout, lines[i])
		}
	})
}

func (s *Shell) tail(ctx context.Context, hc interp.HandlerContext, args []string) int {
	opts, names := flags(args, "n")
	n, ok := lineCount(opts, "tail", hc)
	if !ok {
		return 1
	}
	fromStart := strings.HasPrefix(opts["n"], "+")
	return s.inputs(hc, "tail", names, func(_ string, r io.Reader) {
		lines := readLines(r)
		start := max(len(lines)-n, 0)
		if fromStart {
			start = min(max(n-1, 0), len(lines))
		}
		for _, l := range lines[start:] {
			fmt.Fprintln(hc.Stdout, l)
		}
	})
}

func (s *Shell) wc(ctx context.Context, hc interp.HandlerContext, args []string) int {
	opts, names := flags(args, "")
	all := opts["l"] == "" && opts["w"] == "" && opts["c"] == ""
	return s.inputs(hc, "wc", names, func(name string, r io.Reader) {
		data, _ := io.ReadAll(r)
		var cols []string
		if all || opts["l"] != "" {
			cols = append(cols, strconv.Itoa(bytes.Count(data, []byte("\n"))))
		}
		if all || opts["w"] != "" {
			cols = append(cols, strconv.Itoa(len(bytes.Fields(data))))
		}
		if all || opts["c"] != "" {
			cols = append(cols, strconv.Itoa(len(data)))
		}
		if name != "-" {
			cols = append(cols, name)
		}
		if len(cols) == 1 {
			fmt.Fprintln(hc.Stdout, cols[0])
			return
		}
		fmt.Fprintln(hc.Stdout, strings.Join(cols, " "))
	})
}

func (s *Shell) grep(ctx context.Context, hc interp.HandlerContext, args []string) int {
	opts, rest := flags(args, "e")
	pattern := opts["e"]
	if pattern == "" {
		if len(rest) == 0 {
			fmt.Fprintln(hc.Stderr, "Usage: grep [OPTION]... PATTERNS [FILE]...")
			return 2
		}
		pattern, rest = rest[0], rest[1:]
	}
	if opts["E"] == "" {
		pattern = basicToExtended(pattern)
	}
	if opts["i"] != "" {
		pattern = "(?i)" + pattern
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		fmt.Fprintf(hc.Stderr, "grep: %v\n", err)
		return 2
	}
	matched := false
	code := s.inputs(hc, "grep", rest, func(name string, r io.Reader) {
		count := 0
		for i, l := range readLines(r) {
			if re.MatchString(l) == (opts["v"] != "") {
				continue
			}
			matched = true
			count++
			if opts["c"] != "" || opts["q"] != "" {
				continue
			}
			prefix := ""
			if len(rest) > 1 {
				prefix = name + ":"
			}
			if opts["n"] != "" {
				prefix += strconv.Itoa(i+1) + ":"
			}
			fmt.Fprintln(hc.Stdout, prefix+l)
		}
		if opts["c"] != "" {
			fmt.Fprintln(hc.Stdout, count)
		}
	})
	switch {
	case code != 0:
		return 2
	case !matched:
		return 1
	}
	return 0
}

// basicToExtended turns a basic regular expression into Go's syntax: in a
// BRE, + ? | ( ) { } are literal unless escaped.
func basicToExtended(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '\\' && i+1 < len(p) && strings.IndexByte("+?|(){}", p[i+1]) >= 0 {
			b.WriteByte(p[i+1])
			i++
			continue
		}
		if strings.IndexByte("+?|(){}", c) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

func (s *Shell) sort(ctx context.Context, hc interp.HandlerContext, args []string) int {
	opts, names := flags(args, "")
	var lines []string
	code := s.inputs(hc, "sort", names, func(_ string, r io.Reader) { lines = append(lines, readLines(r)...) })
	less := func(i, j int) bool { return lines[i] < lines[j] }
	if opts["n"] != "" {
		less = func(i, j int) bool { return leadingNumber(lines[i]) < leadingNumber(lines[j]) }
	}
	sort.SliceStable(lines, less)
	if opts["r"] != "" {
		for i, j := 0, len(lines)-1; i < j; i, j = i+1, j-1 {
			lines[i], lines[j] = lines[j], lines[i]
		}
	}
	prev := ""
	for i, l := range lines {
		if opts["u"] != "" && i > 0 && l == prev {
			continue
		}
		prev = l
		fmt.Fprintln(hc.Stdout, l)
	}
	return code
}

func leadingNumber(s string) float64 {
	s = strings.TrimSpace(s)
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == '.' || end == 0 && s[end] == '-') {
		end++
	}
	f, _ := strconv.ParseFloat(s[:end], 64)
	return f
}

func (s *Shell) base64(ctx context.Context, hc interp.HandlerContext, args []string) int {
	opts, names := flags(args, "")
	decode := opts["d"] != ""
	code := 0
	c := s.inputs(hc, "base64", names, func(_ string, r io.Reader) {
		data, _ := io.ReadAll(r)
		if !decode {
			enc := base64.StdEncoding.EncodeToString(data)
			for len(enc) > 76 {
				fmt.Fprintln(hc.Stdout, enc[:76])
				enc = enc[76:]
			}
			fmt.Fprintln(hc.Stdout, enc)
			return
		}
		out, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(data)), ""))
		if err != nil {
			fmt.Fprintln(hc.Stderr, "base64: invalid input")
			code = 1
		}
		hc.Stdout.Write(out)
	})
	return max(code, c)
}
