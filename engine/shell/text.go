package shell

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"mvdan.cc/sh/v3/interp"
)

var wcTool = &tool{
	name:  "wc",
	usage: []string{"wc [OPTION]... [FILE]..."},
	about: "Print newline, word, and byte counts for each FILE, and a total line if\nmore than one FILE is specified.",
	opts: []option{
		{short: 'c', long: "bytes", help: "print the byte counts"},
		{short: 'm', long: "chars", help: "print the character counts"},
		{short: 'l', long: "lines", help: "print the newline counts"},
		{short: 'L', long: "max-line-length", help: "print the maximum display width"},
		{short: 'w', long: "words", help: "print the word counts"},
	},
	status: 1,
}

// wcCounts are one input's counts, in wc's column order.
type wcCounts [5]int64 // lines, words, chars, bytes, max line length

func countText(data []byte) wcCounts {
	var c wcCounts
	c[0] = int64(bytes.Count(data, []byte("\n")))
	c[1] = int64(len(bytes.Fields(data)))
	c[2] = int64(utf8.RuneCount(data))
	c[3] = int64(len(data))
	for _, l := range bytes.Split(data, []byte("\n")) {
		w := int64(0)
		for _, r := range string(l) {
			if r == '\t' {
				w += 8 - w%8
			} else if unicode.IsPrint(r) {
				w++
			}
		}
		c[4] = max(c[4], w)
	}
	return c
}

func (s *Shell) wc(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := wcTool.parse(hc, args)
	if done {
		return code
	}
	show := [5]bool{o.has("l"), o.has("w"), o.has("m"), o.has("c"), o.has("L")}
	if show == [5]bool{} {
		show = [5]bool{true, true, false, true, false}
	}
	type result struct {
		name string
		c    wcCounts
	}
	var results []result
	var total wcCounts
	var sizes int64
	stdin := len(o.args) == 0
	code = s.inputs(hc, "wc", plainErrs, o.args, func(name string, r io.Reader) bool {
		data, _ := io.ReadAll(r)
		c := countText(data)
		stdin = stdin || name == "-"
		sizes += c[3]
		for i := range c {
			total[i] += c[i]
		}
		total[4] = max(total[4], c[4])
		results = append(results, result{name, c})
		return true
	})
	if len(o.args) > 1 {
		results = append(results, result{"total", total})
	}
	width := wcWidth(show, len(o.args), stdin, sizes)
	for _, r := range results {
		var cols []string
		for i, on := range show {
			if on {
				cols = append(cols, fmt.Sprintf("%*d", width, r.c[i]))
			}
		}
		if len(o.args) > 0 {
			cols = append(cols, r.name)
		}
		fmt.Fprintln(hc.Stdout, strings.Join(cols, " "))
	}
	return code
}

// wcWidth is the width of wc's columns: wide enough for the total size
// of the files, at least 7 when reading a pipe, 1 for a single count of a
// single input.
func wcWidth(show [5]bool, files int, stdin bool, sizes int64) int {
	n := 0
	for _, on := range show {
		if on {
			n++
		}
	}
	if n == 1 && files <= 1 {
		return 1
	}
	w := len(strconv.FormatInt(sizes, 10))
	if stdin {
		w = max(w, 7)
	}
	return w
}

var base64Tool = &tool{
	name:  "base64",
	usage: []string{"base64 [OPTION]... [FILE]"},
	about: "Base64 encode or decode FILE, or standard input, to standard output.",
	opts: []option{
		{short: 'd', long: "decode", help: "decode data"},
		{short: 'i', long: "ignore-garbage", help: "when decoding, ignore non-alphabet characters"},
		{short: 'w', long: "wrap", arg: needArg, argName: "COLS", help: "wrap encoded lines after COLS character (default 76); 0 disables"},
	},
	status: 1,
}

func (s *Shell) base64(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := base64Tool.parse(hc, args)
	if done {
		return code
	}
	if len(o.args) > 1 {
		return base64Tool.usageError(hc.Stderr, "extra operand '%s'", o.args[1])
	}
	wrap := 76
	if o.has("w") {
		n, err := strconv.Atoi(o.value("w"))
		if err != nil || n < 0 {
			fmt.Fprintf(hc.Stderr, "base64: invalid wrap size: '%s'\n", o.value("w"))
			return 1
		}
		wrap = n
	}
	bad := false
	code = s.inputs(hc, "base64", plainErrs, o.args, func(_ string, r io.Reader) bool {
		data, _ := io.ReadAll(r)
		if !o.has("d") {
			writeWrapped(hc.Stdout, base64.StdEncoding.EncodeToString(data), wrap)
			return true
		}
		out, ok := decodeBase64(data, o.has("i"))
		hc.Stdout.Write(out)
		if !ok {
			fmt.Fprintln(hc.Stderr, "base64: invalid input")
			bad = true
		}
		return true
	})
	return max(code, boolInt(bad))
}

func writeWrapped(w io.Writer, enc string, wrap int) {
	if wrap == 0 {
		io.WriteString(w, enc)
		return
	}
	for len(enc) > wrap {
		io.WriteString(w, enc[:wrap]+"\n")
		enc = enc[wrap:]
	}
	if enc != "" {
		io.WriteString(w, enc+"\n")
	}
}

// decodeBase64 decodes what it can, as GNU base64 does: newlines are
// skipped, and with garbage ignored so is anything outside the alphabet.
func decodeBase64(data []byte, ignoreGarbage bool) ([]byte, bool) {
	clean := make([]byte, 0, len(data))
	for _, c := range data {
		switch {
		case c == '\n':
		case ignoreGarbage && !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '='):
		default:
			clean = append(clean, c)
		}
	}
	out := make([]byte, len(clean))
	n, err := base64.StdEncoding.Decode(out, clean)
	if err != nil && len(clean)%4 != 0 && !bytes.ContainsRune(clean, '=') {
		if m, err2 := base64.RawStdEncoding.Decode(out, clean); err2 == nil {
			return out[:m], false
		}
	}
	return out[:n], err == nil
}

var teeTool = &tool{
	name:  "tee",
	usage: []string{"tee [OPTION]... [FILE]..."},
	about: "Copy standard input to each FILE, and also to standard output.",
	opts: []option{
		{short: 'a', long: "append", help: "append to the given FILEs, do not overwrite"},
		{short: 'i', long: "ignore-interrupts", help: "ignore interrupt signals"},
	},
	status: 1,
}

func (s *Shell) tee(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := teeTool.parse(hc, args)
	if done {
		return code
	}
	flag := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if o.has("a") {
		flag = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	writers := []io.Writer{hc.Stdout}
	for _, n := range o.args {
		if abs(hc.Dir, n) == "/dev/null" {
			continue
		}
		f, err := s.openFile(fsPath(abs(hc.Dir, n)), flag, 0o644)
		if err != nil {
			fmt.Fprintf(hc.Stderr, "tee: %s: %s\n", n, errText(err))
			code = 1
			continue
		}
		defer f.Close()
		writers = append(writers, f)
	}
	if hc.Stdin != nil {
		io.Copy(io.MultiWriter(writers...), hc.Stdin)
	}
	return code
}
