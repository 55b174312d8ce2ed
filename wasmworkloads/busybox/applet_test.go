package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// testNow is the fixed clock of the in-process tests.
var testNow = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

func init() {
	// In-process tests run on the host: keep its files out of them.
	hostnameFile = "/nonexistent/etc/hostname"
	guestNetwork = isolated{hosts: "testdata/hosts", resolv: "testdata/resolv.conf"}
	mainArgs = []string{"sh", "-c", "ps"}
	cgroupMemoryMax, procMeminfo, procCpuinfo = "/nonexistent", "/nonexistent", "/nonexistent"
}

// testEnv is a container's environment as the kubelet gives it.
var testEnv = []string{"HOSTNAME=web-0", "PATH=/bin:/usr/bin", "HOME=/root", "GREETING=hello world"}

// result is what an applet did.
type result struct {
	stdout, stderr string
	code           int
}

// runIn runs argv in-process in dir, as the kubelet would start it.
func runIn(t *testing.T, dir, stdin string, env []string, argv ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	code := dispatch(&proc{
		ctx:    ctx,
		args:   argv,
		stdin:  strings.NewReader(stdin),
		stdout: &stdout,
		stderr: &stderr,
		env:    env,
		dir:    dir,
		now:    func() time.Time { return testNow },
	})
	return result{stdout.String(), stderr.String(), code}
}

// appletCase is one row of the applet tables.
type appletCase struct {
	name   string
	argv   []string
	stdin  string
	env    []string // testEnv if nil
	stdout string
	stderr string // a substring of stderr; "" means stderr is empty
	code   int
}

// check runs the cases in dir.
func check(t *testing.T, dir string, cases []appletCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := tc.env
			if env == nil {
				env = testEnv
			}
			got := runIn(t, dir, tc.stdin, env, tc.argv...)
			assert.Equal(t, tc.stdout, got.stdout, "stdout")
			if tc.stderr == "" {
				assert.Empty(t, got.stderr, "stderr")
			} else {
				assert.Contains(t, got.stderr, tc.stderr, "stderr")
			}
			assert.Equal(t, tc.code, got.code, "exit code")
		})
	}
}

func TestDispatch(t *testing.T) {
	check(t, "/", []appletCase{
		{name: "argv0 names the applet", argv: []string{"echo", "hello"}, stdout: "hello\n"},
		{name: "argv0 as a path", argv: []string{"/bin/echo", "hi"}, stdout: "hi\n"},
		{name: "busybox APPLET", argv: []string{"busybox", "echo", "hi"}, stdout: "hi\n"},
		{name: "busybox as a path", argv: []string{"/bin/busybox", "true"}},
		{name: "unknown applet", argv: []string{"frobnicate", "x"}, stderr: "frobnicate: applet not found\n", code: 127},
		{name: "busybox unknown applet", argv: []string{"busybox", "nope"}, stderr: "nope: applet not found\n", code: 127},
		{name: "help", argv: []string{"sleep", "--help"}, stdout: "Usage: sleep [N]...\n\nPause for a time equal to the total of the args given (N[smhd] or infinity)\n"},
		{name: "busybox --help APPLET", argv: []string{"busybox", "--help", "true"}, stdout: "Usage: true \n\nReturn an exit code of TRUE (0)\n"},
		{name: "echo --help is text", argv: []string{"echo", "--help"}, stdout: "--help\n"},
	})

	t.Run("list", func(t *testing.T) {
		got := runIn(t, "/", "", nil, "busybox", "--list")
		assert.Equal(t, 0, got.code)
		names := strings.Fields(got.stdout)
		assert.Contains(t, names, "sh")
		assert.Contains(t, names, "[")
		assert.Contains(t, names, "wget")
		assert.IsNonDecreasing(t, names)
		assert.Len(t, names, len(applets))
	})
	t.Run("no arguments", func(t *testing.T) {
		got := runIn(t, "/", "", nil, "busybox")
		assert.Equal(t, 0, got.code)
		assert.Contains(t, got.stdout, "Usage: busybox [function [arguments]...]")
		assert.Contains(t, got.stdout, "sleep, sort")
	})
	t.Run("empty argv", func(t *testing.T) {
		got := runIn(t, "/", "", nil)
		assert.Equal(t, 0, got.code)
		assert.Contains(t, got.stdout, "Usage: busybox")
	})
	t.Run("every applet has a usage", func(t *testing.T) {
		for name, a := range applets {
			assert.Contains(t, a.usage, "\n", name)
		}
	})
}

func TestEcho(t *testing.T) {
	check(t, "/", []appletCase{
		{name: "plain", argv: []string{"echo", "a", "b  c"}, stdout: "a b  c\n"},
		{name: "none", argv: []string{"echo"}, stdout: "\n"},
		{name: "-n", argv: []string{"echo", "-n", "x"}, stdout: "x"},
		{name: "no escapes by default", argv: []string{"echo", `a\nb`}, stdout: "a\\nb\n"},
		{name: "-e", argv: []string{"echo", "-e", `a\tb\nc\\d\x41\0101`}, stdout: "a\tb\nc\\dAA\n"},
		{name: "-e \\c stops", argv: []string{"echo", "-e", `a\cb`, "c"}, stdout: "a"},
		{name: "-ne", argv: []string{"echo", "-ne", `x\n`}, stdout: "x\n"},
		{name: "-E", argv: []string{"echo", "-e", "-E", `a\n`}, stdout: "a\\n\n"},
		{name: "not an option", argv: []string{"echo", "-x", "-n"}, stdout: "-x -n\n"},
	})
}

func TestPrintf(t *testing.T) {
	check(t, "/", []appletCase{
		{name: "string", argv: []string{"printf", "%s-%s\n", "a", "b"}, stdout: "a-b\n"},
		{name: "format reused", argv: []string{"printf", "%s\n", "a", "b", "c"}, stdout: "a\nb\nc\n"},
		{name: "missing args", argv: []string{"printf", "%s|%d|\n"}, stdout: "|0|\n"},
		{name: "integers", argv: []string{"printf", "%d %5d %-3d| %03d %x %X %o %u", "42", "7", "1", "5", "255", "255", "8", "3"}, stdout: "42     7 1  | 005 ff FF 10 3"},
		{name: "char constant", argv: []string{"printf", "%d", "'A"}, stdout: "65"},
		{name: "hex input", argv: []string{"printf", "%d", "0x10"}, stdout: "16"},
		{name: "floats", argv: []string{"printf", "%.2f %e %g %g", "3.14159", "1", "0.0001", "1234567"}, stdout: "3.14 1.000000e+00 0.0001 1.23457e+06"},
		{name: "width from args", argv: []string{"printf", "[%*s]", "4", "x"}, stdout: "[   x]"},
		{name: "precision", argv: []string{"printf", "[%.2s]", "abc"}, stdout: "[ab]"},
		{name: "%b", argv: []string{"printf", "%b|%s", `a\tb`, `a\tb`}, stdout: "a\tb|a\\tb"},
		{name: "%c", argv: []string{"printf", "%c", "hello"}, stdout: "h"},
		{name: "%%", argv: []string{"printf", "100%%\n"}, stdout: "100%\n"},
		{name: "escapes", argv: []string{"printf", `a\n\101\x42\\`}, stdout: "a\nAB\\"},
		{name: "bad number", argv: []string{"printf", "%d\n", "abc"}, stdout: "0\n", stderr: "printf: invalid number 'abc'", code: 1},
		{name: "no format", argv: []string{"printf"}, stderr: "Usage: printf", code: 1},
	})
}

func TestSimpleApplets(t *testing.T) {
	check(t, "/work", []appletCase{
		{name: "true", argv: []string{"true"}},
		{name: "false", argv: []string{"false"}, code: 1},
		{name: "pwd", argv: []string{"pwd"}, stdout: "/work\n"},
		{name: "hostname", argv: []string{"hostname"}, stdout: "web-0\n"},
		{name: "hostname -s", argv: []string{"hostname", "-s"}, env: []string{"HOSTNAME=a.b.c"}, stdout: "a\n"},
		{name: "hostname unset", argv: []string{"hostname"}, env: []string{}, stdout: "localhost\n"},
		{name: "hostname set", argv: []string{"hostname", "x"}, stderr: "Operation not permitted", code: 1},
		{name: "whoami", argv: []string{"whoami"}, stdout: "root\n"},
		{name: "id", argv: []string{"id"}, stdout: "uid=0(root) gid=0(root) groups=0(root)\n"},
		{name: "id -u", argv: []string{"id", "-u"}, stdout: "0\n"},
		{name: "id -un", argv: []string{"id", "-un"}, stdout: "root\n"},
		{name: "id -g", argv: []string{"id", "-g"}, stdout: "0\n"},
		{name: "id other", argv: []string{"id", "bob"}, stderr: "id: unknown user bob", code: 1},
		{name: "uname", argv: []string{"uname"}, stdout: "Linux\n"},
		{name: "uname -a", argv: []string{"uname", "-a"}, stdout: "Linux web-0 6.1.0-kubeplay #1 SMP kubeplay WebAssembly (wasip1 on wazero) x86_64 GNU/Linux\n"},
		{name: "uname -s -n -m -r", argv: []string{"uname", "-s", "-n", "-m", "-r"}, stdout: "Linux web-0 6.1.0-kubeplay x86_64\n"},
		{name: "uname -m", argv: []string{"uname", "-m"}, stdout: "x86_64\n"},
		{name: "uname -r", argv: []string{"uname", "-r"}, stdout: "6.1.0-kubeplay\n"},
		{name: "uname bad", argv: []string{"uname", "-z"}, stderr: "uname: invalid option -- 'z'", code: 1},
		{name: "basename", argv: []string{"basename", "/usr/lib/libc.so"}, stdout: "libc.so\n"},
		{name: "basename suffix", argv: []string{"basename", "/usr/lib/libc.so", ".so"}, stdout: "libc\n"},
		{name: "basename trailing slash", argv: []string{"basename", "/usr/lib/"}, stdout: "lib\n"},
		{name: "basename root", argv: []string{"basename", "/"}, stdout: "/\n"},
		{name: "basename suffix is name", argv: []string{"basename", "/a/.so", ".so"}, stdout: ".so\n"},
		{name: "basename no operand", argv: []string{"basename"}, stderr: "Usage: basename", code: 1},
		{name: "dirname", argv: []string{"dirname", "/usr/lib/libc.so"}, stdout: "/usr/lib\n"},
		{name: "dirname relative", argv: []string{"dirname", "file"}, stdout: ".\n"},
		{name: "dirname root child", argv: []string{"dirname", "/usr/"}, stdout: "/\n"},
		{name: "dirname slashes", argv: []string{"dirname", "a//b//"}, stdout: "a\n"},
	})
}

func TestEnv(t *testing.T) {
	env := []string{"A=1", "B=two words"}
	check(t, "/", []appletCase{
		{name: "env", argv: []string{"env"}, env: env, stdout: "A=1\nB=two words\n"},
		{name: "env -i", argv: []string{"env", "-i"}, env: env, stdout: ""},
		{name: "env -u", argv: []string{"env", "-u", "A"}, env: env, stdout: "B=two words\n"},
		{name: "env set", argv: []string{"env", "A=9", "C=3"}, env: env, stdout: "B=two words\nA=9\nC=3\n"},
		{name: "env runs an applet", argv: []string{"env", "-i", "X=1", "printenv"}, env: env, stdout: "X=1\n"},
		{name: "env unknown command", argv: []string{"env", "frob"}, env: env, stderr: "env: can't execute 'frob': No such file or directory", code: 127},
		{name: "printenv", argv: []string{"printenv"}, env: env, stdout: "A=1\nB=two words\n"},
		{name: "printenv names", argv: []string{"printenv", "B", "A"}, env: env, stdout: "two words\n1\n"},
		{name: "printenv missing", argv: []string{"printenv", "A", "Z"}, env: env, stdout: "1\n", code: 1},
	})
}

func TestSleep(t *testing.T) {
	for _, tc := range []struct {
		arg  string
		want time.Duration
	}{
		{"1", time.Second},
		{"0.5", 500 * time.Millisecond},
		{".25", 250 * time.Millisecond},
		{"2s", 2 * time.Second},
		{"1.5m", 90 * time.Second},
		{"2h", 2 * time.Hour},
		{"1d", 24 * time.Hour},
		{"infinity", sleepForever},
		{"inf", sleepForever},
		{"1e3", 1000 * time.Second},
		{"1e300d", sleepForever},
	} {
		got, err := parseSleep(tc.arg)
		if assert.NoError(t, err, tc.arg) {
			assert.Equal(t, tc.want, got, tc.arg)
		}
	}
	for _, bad := range []string{"", "x", "-1", "1x", "0x1p4", "s", "nan"} {
		_, err := parseSleep(bad)
		assert.Error(t, err, bad)
	}

	check(t, "/", []appletCase{
		{name: "short", argv: []string{"sleep", "0.01"}},
		{name: "sum", argv: []string{"sleep", "0.01", "0.01s"}},
		{name: "zero", argv: []string{"sleep", "0"}},
		{name: "bad", argv: []string{"sleep", "soon"}, stderr: "sleep: invalid number 'soon'\n", code: 1},
		{name: "missing", argv: []string{"sleep"}, stderr: "Usage: sleep", code: 1},
	})

	t.Run("stops with its context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int)
		go func() {
			done <- dispatch(&proc{ctx: ctx, args: []string{"sleep", "infinity"},
				stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, now: time.Now})
		}()
		time.Sleep(10 * time.Millisecond)
		cancel()
		select {
		case code := <-done:
			assert.Equal(t, 1, code)
		case <-time.After(5 * time.Second):
			t.Fatal("sleep infinity did not stop")
		}
	})
}

// limitedWriter fails after n bytes, as a pipe whose reader went away.
type limitedWriter struct {
	n   int
	buf bytes.Buffer
}

func (w *limitedWriter) Write(b []byte) (int, error) {
	if w.buf.Len()+len(b) > w.n {
		return 0, assert.AnError
	}
	return w.buf.Write(b)
}

func TestYes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		line string
	}{
		{nil, "y\n"},
		{[]string{"a", "b"}, "a b\n"},
	} {
		w := &limitedWriter{n: 100000}
		code := dispatch(&proc{ctx: context.Background(), args: append([]string{"yes"}, tc.args...),
			stdout: w, stderr: &bytes.Buffer{}, now: time.Now})
		assert.Equal(t, 1, code)
		assert.Greater(t, w.buf.Len(), 50000)
		assert.Equal(t, strings.Repeat(tc.line, w.buf.Len()/len(tc.line)), w.buf.String())
	}
}

func TestDate(t *testing.T) {
	utc := []string{"TZ=UTC"}
	check(t, "/", []appletCase{
		{name: "default", argv: []string{"date"}, stdout: "Thu Jan  1 00:00:00 UTC 2026\n"},
		{name: "-u", argv: []string{"date", "-u"}, stdout: "Thu Jan  1 00:00:00 UTC 2026\n"},
		{name: "+%s", argv: []string{"date", "+%s"}, stdout: "1767225600\n"},
		{name: "+format", argv: []string{"date", "+%Y-%m-%d %H:%M:%S %j %a %A %b %B %y %e %u %w %p"},
			stdout: "2026-01-01 00:00:00 001 Thu Thursday Jan January 26  1 4 4 AM\n"},
		{name: "+%F %T %D %R %Z %z", argv: []string{"date", "+%F %T %D %R %Z %z"}, stdout: "2026-01-01 00:00:00 01/01/26 00:00 UTC +0000\n"},
		{name: "+%N %% %n", argv: []string{"date", "+%N%%%n"}, stdout: "000000000%\n\n"},
		{name: "glibc padding", argv: []string{"date", "+%-d|%_m|%-H"}, stdout: "1| 1|0\n"},
		{name: "unknown conversion", argv: []string{"date", "+%Q"}, stdout: "%Q\n"},
		{name: "-I", argv: []string{"date", "-I"}, stdout: "2026-01-01\n"},
		{name: "-Iseconds", argv: []string{"date", "-Iseconds"}, stdout: "2026-01-01T00:00:00+00:00\n"},
		{name: "-Iminutes", argv: []string{"date", "-Iminutes"}, stdout: "2026-01-01T00:00+00:00\n"},
		{name: "-R", argv: []string{"date", "-R"}, stdout: "Thu, 01 Jan 2026 00:00:00 +0000\n"},
		{name: "-d @epoch", argv: []string{"date", "-u", "-d", "@0"}, stdout: "Thu Jan  1 00:00:00 UTC 1970\n"},
		{name: "-d date", argv: []string{"date", "-d", "2024-02-29 13:14:15", "+%c"}, env: utc, stdout: "Thu Feb 29 13:14:15 2024\n"},
		{name: "-d time today", argv: []string{"date", "-d", "12:30", "+%F %T"}, env: utc, stdout: "2026-01-01 12:30:00\n"},
		{name: "-d bad", argv: []string{"date", "-d", "tomorrowish"}, stderr: "date: invalid date 'tomorrowish'", code: 1},
		{name: "set", argv: []string{"date", "010100002027"}, stderr: "date: can't set date", code: 1},
		{name: "TZ unknown is UTC", argv: []string{"date"}, env: []string{"TZ=Nowhere/Special"}, stdout: "Thu Jan  1 00:00:00 UTC 2026\n"},
	})
}

func TestTextApplets(t *testing.T) {
	lines := "banana\napple\ncherry\napple\n"
	check(t, "/", []appletCase{
		{name: "cat stdin", argv: []string{"cat"}, stdin: "a\nb", stdout: "a\nb"},
		{name: "cat -", argv: []string{"cat", "-"}, stdin: "x\n", stdout: "x\n"},
		{name: "cat -n", argv: []string{"cat", "-n"}, stdin: "a\nb\n", stdout: "     1\ta\n     2\tb\n"},
		{name: "cat /dev/null", argv: []string{"cat", "/dev/null"}},
		{name: "cat missing", argv: []string{"cat", "/nonexistent/file"}, stderr: "cat: /nonexistent/file: No such file or directory\n", code: 1},

		{name: "wc", argv: []string{"wc"}, stdin: "hello world\nbye\n", stdout: "        2         3        16\n"},
		{name: "wc -l", argv: []string{"wc", "-l"}, stdin: "a\nb\nc\n", stdout: "3\n"},
		{name: "wc -w", argv: []string{"wc", "-w"}, stdin: " a  b\tc\n", stdout: "3\n"},
		{name: "wc -c", argv: []string{"wc", "-c"}, stdin: "héllo", stdout: "6\n"},
		{name: "wc -lw", argv: []string{"wc", "-lw"}, stdin: "a b\n", stdout: "        1         2\n"},
		{name: "wc -L", argv: []string{"wc", "-L"}, stdin: "ab\nabcd\n", stdout: "4\n"},
		{name: "wc no final newline", argv: []string{"wc", "-l"}, stdin: "a\nb", stdout: "1\n"},

		{name: "head", argv: []string{"head"}, stdin: strings.Repeat("x\n", 20), stdout: strings.Repeat("x\n", 10)},
		{name: "head -n", argv: []string{"head", "-n", "2"}, stdin: lines, stdout: "banana\napple\n"},
		{name: "head -n2", argv: []string{"head", "-n2"}, stdin: lines, stdout: "banana\napple\n"},
		{name: "head -3", argv: []string{"head", "-3"}, stdin: lines, stdout: "banana\napple\ncherry\n"},
		{name: "head -c", argv: []string{"head", "-c", "3"}, stdin: lines, stdout: "ban"},
		{name: "head -n 0", argv: []string{"head", "-n", "0"}, stdin: lines},
		{name: "head bad", argv: []string{"head", "-n", "x"}, stderr: "head: invalid number 'x'", code: 1},

		{name: "tail", argv: []string{"tail"}, stdin: strings.Repeat("x\n", 20) + "last\n", stdout: strings.Repeat("x\n", 9) + "last\n"},
		{name: "tail -n", argv: []string{"tail", "-n", "2"}, stdin: lines, stdout: "cherry\napple\n"},
		{name: "tail -1", argv: []string{"tail", "-1"}, stdin: lines, stdout: "apple\n"},
		{name: "tail -n +3", argv: []string{"tail", "-n", "+3"}, stdin: lines, stdout: "cherry\napple\n"},
		{name: "tail +2", argv: []string{"tail", "+2"}, stdin: "a\nb\n", stdout: "b\n"},
		{name: "tail no final newline", argv: []string{"tail", "-n", "1"}, stdin: "a\nb", stdout: "b"},
		{name: "tail more than there is", argv: []string{"tail", "-n", "9"}, stdin: "a\nb\n", stdout: "a\nb\n"},
		{name: "tail -c", argv: []string{"tail", "-c", "4"}, stdin: "abcdef\n", stdout: "def\n"},

		{name: "grep", argv: []string{"grep", "an"}, stdin: lines, stdout: "banana\n"},
		{name: "grep -i", argv: []string{"grep", "-i", "APPLE"}, stdin: lines, stdout: "apple\napple\n"},
		{name: "grep -v", argv: []string{"grep", "-v", "apple"}, stdin: lines, stdout: "banana\ncherry\n"},
		{name: "grep -c", argv: []string{"grep", "-c", "apple"}, stdin: lines, stdout: "2\n"},
		{name: "grep -n", argv: []string{"grep", "-n", "apple"}, stdin: lines, stdout: "2:apple\n4:apple\n"},
		{name: "grep -q match", argv: []string{"grep", "-q", "cherry"}, stdin: lines},
		{name: "grep no match", argv: []string{"grep", "kiwi"}, stdin: lines, code: 1},
		{name: "grep -c no match", argv: []string{"grep", "-c", "kiwi"}, stdin: lines, stdout: "0\n", code: 1},
		{name: "grep BRE", argv: []string{"grep", `^a.*e$`}, stdin: lines, stdout: "apple\napple\n"},
		{name: "grep BRE literal plus", argv: []string{"grep", `a+`}, stdin: "a+b\naab\n", stdout: "a+b\n"},
		{name: "grep BRE interval", argv: []string{"grep", `p\{2\}`}, stdin: lines, stdout: "apple\napple\n"},
		{name: "grep -E", argv: []string{"grep", "-E", "ban|cher"}, stdin: lines, stdout: "banana\ncherry\n"},
		{name: "grep -F", argv: []string{"grep", "-F", "a.p"}, stdin: "a.p\nabp\n", stdout: "a.p\n"},
		{name: "grep -e -e", argv: []string{"grep", "-e", "ban", "-e", "cher"}, stdin: lines, stdout: "banana\ncherry\n"},
		{name: "grep -w", argv: []string{"grep", "-w", "app"}, stdin: "app store\napple\n", stdout: "app store\n"},
		{name: "grep -x", argv: []string{"grep", "-x", "apple"}, stdin: "apple\napple pie\n", stdout: "apple\n"},
		{name: "grep -o", argv: []string{"grep", "-o", "an"}, stdin: "banana\n", stdout: "an\nan\n"},
		{name: "grep -m", argv: []string{"grep", "-m", "1", "apple"}, stdin: lines, stdout: "apple\n"},
		{name: "grep bad regex", argv: []string{"grep", "-E", "a("}, stdin: lines, stderr: "grep: bad regex", code: 2},
		{name: "grep missing file", argv: []string{"grep", "x", "/nope"}, stderr: "grep: /nope: No such file or directory", code: 2},
		{name: "grep -s missing file", argv: []string{"grep", "-s", "x", "/nope"}, code: 2},
		{name: "grep no pattern", argv: []string{"grep"}, stderr: "Usage: grep", code: 2},

		{name: "sort", argv: []string{"sort"}, stdin: lines, stdout: "apple\napple\nbanana\ncherry\n"},
		{name: "sort -r", argv: []string{"sort", "-r"}, stdin: lines, stdout: "cherry\nbanana\napple\napple\n"},
		{name: "sort -u", argv: []string{"sort", "-u"}, stdin: lines, stdout: "apple\nbanana\ncherry\n"},
		{name: "sort -n", argv: []string{"sort", "-n"}, stdin: "10\n9\n-1\n2.5\nx\n", stdout: "-1\nx\n2.5\n9\n10\n"},
		{name: "sort -rn", argv: []string{"sort", "-rn"}, stdin: "10\n9\n100\n", stdout: "100\n10\n9\n"},
		{name: "sort bytewise", argv: []string{"sort"}, stdin: "b\nB\na\nA\n", stdout: "A\nB\na\nb\n"},
		{name: "sort -k -t", argv: []string{"sort", "-t", ":", "-k", "2", "-n"}, stdin: "a:3\nb:1\nc:2\n", stdout: "b:1\nc:2\na:3\n"},
		{name: "sort -k blanks", argv: []string{"sort", "-k2"}, stdin: "x b\ny a\n", stdout: "y a\nx b\n"},
		{name: "sort no final newline", argv: []string{"sort"}, stdin: "b\na", stdout: "a\nb\n"},

		{name: "uniq", argv: []string{"uniq"}, stdin: "a\na\nb\na\n", stdout: "a\nb\na\n"},
		{name: "uniq -c", argv: []string{"uniq", "-c"}, stdin: "a\na\nb\n", stdout: "      2 a\n      1 b\n"},
		{name: "uniq -d", argv: []string{"uniq", "-d"}, stdin: "a\na\nb\n", stdout: "a\n"},
		{name: "uniq -u", argv: []string{"uniq", "-u"}, stdin: "a\na\nb\n", stdout: "b\n"},
		{name: "uniq -i", argv: []string{"uniq", "-i"}, stdin: "a\nA\n", stdout: "a\n"},

		{name: "cut -d -f", argv: []string{"cut", "-d", ":", "-f", "1,3"}, stdin: "root:x:0:0\n", stdout: "root:0\n"},
		{name: "cut -f range", argv: []string{"cut", "-d,", "-f2-"}, stdin: "a,b,c\n", stdout: "b,c\n"},
		{name: "cut tab default", argv: []string{"cut", "-f", "2"}, stdin: "a\tb\n", stdout: "b\n"},
		{name: "cut no delimiter", argv: []string{"cut", "-d:", "-f", "2"}, stdin: "plain\n", stdout: "plain\n"},
		{name: "cut -s", argv: []string{"cut", "-s", "-d:", "-f", "2"}, stdin: "plain\na:b\n", stdout: "b\n"},
		{name: "cut -c", argv: []string{"cut", "-c", "1-3,5"}, stdin: "abcdef\n", stdout: "abce\n"},
		{name: "cut no list", argv: []string{"cut"}, stdin: "x", stderr: "cut: expected a list", code: 1},

		{name: "tr", argv: []string{"tr", "a-z", "A-Z"}, stdin: "hello, world\n", stdout: "HELLO, WORLD\n"},
		{name: "tr classes", argv: []string{"tr", "[:lower:]", "[:upper:]"}, stdin: "abc\n", stdout: "ABC\n"},
		{name: "tr -d", argv: []string{"tr", "-d", "aeiou"}, stdin: "education\n", stdout: "dctn\n"},
		{name: "tr -d newline", argv: []string{"tr", "-d", `\n`}, stdin: "a\nb\n", stdout: "ab"},
		{name: "tr -s", argv: []string{"tr", "-s", " "}, stdin: "a   b  c\n", stdout: "a b c\n"},
		{name: "tr pad set2", argv: []string{"tr", "abc", "x"}, stdin: "aabbcc\n", stdout: "xxxxxx\n"},
		{name: "tr -c", argv: []string{"tr", "-c", "a-z\n", "_"}, stdin: "a1b2\n", stdout: "a_b_\n"},
		{name: "tr escapes", argv: []string{"tr", `\n`, ","}, stdin: "1\n2\n", stdout: "1,2,"},
		{name: "tr one operand", argv: []string{"tr", "a"}, stderr: "Usage: tr", code: 1},
	})
}

func TestSeqExpr(t *testing.T) {
	check(t, "/", []appletCase{
		{name: "seq last", argv: []string{"seq", "3"}, stdout: "1\n2\n3\n"},
		{name: "seq first last", argv: []string{"seq", "2", "4"}, stdout: "2\n3\n4\n"},
		{name: "seq inc", argv: []string{"seq", "1", "3", "10"}, stdout: "1\n4\n7\n10\n"},
		{name: "seq down", argv: []string{"seq", "3", "-1", "1"}, stdout: "3\n2\n1\n"},
		{name: "seq negative", argv: []string{"seq", "-2", "0"}, stdout: "-2\n-1\n0\n"},
		{name: "seq empty", argv: []string{"seq", "0"}},
		{name: "seq fractions", argv: []string{"seq", "0", "0.5", "1.5"}, stdout: "0.0\n0.5\n1.0\n1.5\n"},
		{name: "seq -s", argv: []string{"seq", "-s", ",", "3"}, stdout: "1,2,3\n"},
		{name: "seq -w", argv: []string{"seq", "-w", "8", "10"}, stdout: "08\n09\n10\n"},
		{name: "seq bad", argv: []string{"seq", "x"}, stderr: "seq: invalid number 'x'", code: 1},
		{name: "seq zero inc", argv: []string{"seq", "1", "0", "2"}, stderr: "Zero increment", code: 1},

		{name: "expr add", argv: []string{"expr", "1", "+", "2"}, stdout: "3\n"},
		{name: "expr precedence", argv: []string{"expr", "2", "+", "3", "*", "4"}, stdout: "14\n"},
		{name: "expr parens", argv: []string{"expr", "(", "2", "+", "3", ")", "*", "4"}, stdout: "20\n"},
		{name: "expr div mod", argv: []string{"expr", "17", "/", "5", "+", "17", "%", "5"}, stdout: "5\n"},
		{name: "expr negative", argv: []string{"expr", "3", "-", "5"}, stdout: "-2\n"},
		{name: "expr zero is false", argv: []string{"expr", "2", "-", "2"}, stdout: "0\n", code: 1},
		{name: "expr compare", argv: []string{"expr", "10", ">", "9"}, stdout: "1\n"},
		{name: "expr string compare", argv: []string{"expr", "abc", "=", "abd"}, stdout: "0\n", code: 1},
		{name: "expr match", argv: []string{"expr", "hello", ":", "hel"}, stdout: "3\n"},
		{name: "expr match group", argv: []string{"expr", "v1.2.3", ":", `v\([0-9]*\)`}, stdout: "1\n"},
		{name: "expr length", argv: []string{"expr", "length", "hello"}, stdout: "5\n"},
		{name: "expr substr", argv: []string{"expr", "substr", "hello", "2", "3"}, stdout: "ell\n"},
		{name: "expr index", argv: []string{"expr", "index", "hello", "lo"}, stdout: "3\n"},
		{name: "expr or", argv: []string{"expr", "0", "|", "5"}, stdout: "5\n"},
		{name: "expr and", argv: []string{"expr", "1", "&", "0"}, stdout: "0\n", code: 1},
		{name: "expr division by zero", argv: []string{"expr", "1", "/", "0"}, stderr: "expr: division by zero", code: 2},
		{name: "expr non-numeric", argv: []string{"expr", "a", "+", "1"}, stderr: "expr: non-numeric argument", code: 2},
		{name: "expr syntax", argv: []string{"expr", "1", "+"}, stderr: "expr: syntax error", code: 2},
	})
}

func TestTest(t *testing.T) {
	check(t, "/", []appletCase{
		{name: "empty", argv: []string{"test"}, code: 1},
		{name: "string", argv: []string{"test", "x"}},
		{name: "empty string", argv: []string{"test", ""}, code: 1},
		{name: "-n alone", argv: []string{"test", "-n"}},
		{name: "-z", argv: []string{"test", "-z", ""}},
		{name: "-n", argv: []string{"test", "-n", ""}, code: 1},
		{name: "=", argv: []string{"test", "a", "=", "a"}},
		{name: "!=", argv: []string{"test", "a", "!=", "a"}, code: 1},
		{name: "-eq", argv: []string{"test", "3", "-eq", "3"}},
		{name: "-lt", argv: []string{"test", "3", "-lt", "2"}, code: 1},
		{name: "-ge", argv: []string{"test", " 3", "-ge", "3 "}},
		{name: "!", argv: []string{"test", "!", "a", "=", "b"}},
		{name: "-a -o", argv: []string{"test", "a", "=", "b", "-o", "1", "-eq", "1", "-a", "x"}},
		{name: "parens", argv: []string{"test", "(", "a", "=", "a", ")", "-a", "!", "(", "b", "=", "c", ")"}},
		{name: "bad number", argv: []string{"test", "x", "-eq", "1"}, stderr: "test: x: bad number", code: 2},
		{name: "[", argv: []string{"[", "1", "-gt", "0", "]"}},
		{name: "[ missing ]", argv: []string{"[", "1"}, stderr: "[: missing ]", code: 2},
		{name: "-e missing", argv: []string{"test", "-e", "/nonexistent"}, code: 1},
		{name: "-t", argv: []string{"test", "-t", "1"}, code: 1},
		{name: "= = =", argv: []string{"test", "=", "=", "="}},
	})
}

// TestWithBash: the Debian-based images start the module as
// `busybox --with-bash COMMAND`, which gives them Debian's bash.
func TestWithBash(t *testing.T) {
	savedWith, savedVars, savedBanner := withBash, shellBash.vars, bashBanner
	t.Cleanup(func() { withBash, shellBash.vars, bashBanner = savedWith, savedVars, savedBanner })
	if !bashImage {
		r := runIn(t, t.TempDir(), "", testEnv, "bash", "-c", "true")
		assert.Equal(t, 127, r.code, "no bash without the switch")
	}
	r := runIn(t, t.TempDir(), "", testEnv, "busybox", "--with-bash", "bash", "-c", `echo $BASH_VERSION $BASH; nope`)
	assert.Equal(t, "5.2.15(1)-release /usr/bin/bash\n", r.stdout)
	assert.Equal(t, "bash: nope: command not found\n", r.stderr)
	assert.Equal(t, 127, r.code)
	r = runIn(t, t.TempDir(), "", testEnv, "busybox", "--with-bash", "bash", "--version")
	assert.Contains(t, r.stdout, "GNU bash, version 5.2.15(1)-release (x86_64-pc-linux-gnu)\n")
	r = runIn(t, t.TempDir(), "", testEnv, "busybox", "--with-bash", "echo", "hi")
	assert.Equal(t, "hi\n", r.stdout)
}

func TestParseLength(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"615", 615}, {"0", 0}, {"007", 7}, {"", 0}, {"+5", 5}, {"-1", -1}, {"12a", 0},
		{"999999999999999999", 999999999999999999}, {"9223372036854775807", 9223372036854775807},
		{"99999999999999999999", 9223372036854775807},
	} {
		assert.Equal(t, tc.want, parseLength([]byte(tc.in)), tc.in)
	}
}
