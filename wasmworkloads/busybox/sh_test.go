package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestShParseArgs(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want shInvocation
		err  string
	}{
		{args: nil, want: shInvocation{name: "sh"}},
		{args: []string{"-c", "echo"}, want: shInvocation{name: "sh", command: "echo", hasCommand: true}},
		{args: []string{"-c", "echo", "zero", "one"}, want: shInvocation{name: "zero", command: "echo", hasCommand: true, params: []string{"one"}}},
		{args: []string{"-ec", "echo"}, want: shInvocation{name: "sh", command: "echo", hasCommand: true, options: []string{"-e"}}},
		{args: []string{"-x", "-o", "pipefail", "+u", "-c", "x"}, want: shInvocation{name: "sh", command: "x", hasCommand: true, options: []string{"-x", "-o", "pipefail", "+u"}}},
		{args: []string{"script.sh", "a"}, want: shInvocation{name: "script.sh", file: "script.sh", params: []string{"a"}}},
		{args: []string{"-s", "a", "b"}, want: shInvocation{name: "sh", params: []string{"a", "b"}}},
		{args: []string{"--", "-script"}, want: shInvocation{name: "-script", file: "-script"}},
		{args: []string{"-c"}, err: "-c requires an argument"},
		{args: []string{"-o"}, err: "-o requires an argument"},
	} {
		got, err := parseShArgs(tc.args)
		if tc.err != "" {
			assert.EqualError(t, err, tc.err, "%q", tc.args)
			continue
		}
		if assert.NoError(t, err, "%q", tc.args) {
			if len(got.params) == 0 {
				got.params = nil
			}
			assert.Equal(t, tc.want, got, "%q", tc.args)
		}
	}
}

func TestSh(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "data.txt"), []byte("one\ntwo\nthree\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "script.sh"), []byte("echo \"$0 has $# args: $*\"\nexit 4\n"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "plain.sh"), []byte("echo never\n"), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))

	sh := func(script string, args ...string) []string {
		return append([]string{"sh", "-c", script}, args...)
	}
	check(t, dir, []appletCase{
		{name: "loop with sleep", argv: sh("for i in 1 2 3; do echo $i; sleep 0.01; done"), stdout: "1\n2\n3\n"},
		{name: "and list", argv: sh("echo The app is running! && sleep 0.01"), stdout: "The app is running!\n"},
		{name: "variables", argv: sh(`x=3; y="$x and $GREETING"; echo "$y"`), stdout: "3 and hello world\n"},
		{name: "environment", argv: sh(`echo $HOSTNAME $PATH`), stdout: "web-0 /bin:/usr/bin\n"},
		{name: "command substitution", argv: sh(`n=$(echo 4 | tr 4 5); echo "n=$n $(hostname)"`), stdout: "n=5 web-0\n"},
		{name: "arithmetic", argv: sh(`echo $((6*7))`), stdout: "42\n"},
		{name: "exit status", argv: sh("echo before; exit 3; echo after"), stdout: "before\n", code: 3},
		{name: "last status", argv: sh("echo a; false"), stdout: "a\n", code: 1},
		{name: "until", argv: sh("i=0; until [ $i -ge 3 ]; do i=$((i+1)); echo $i; done"), stdout: "1\n2\n3\n"},
		{name: "while", argv: sh("i=3; while [ $i -gt 0 ]; do echo $i; i=$((i-1)); done"), stdout: "3\n2\n1\n"},
		{name: "if", argv: sh("if grep -q two data.txt; then echo found; else echo nope; fi"), stdout: "found\n"},
		{name: "case", argv: sh(`case $HOSTNAME in web-*) echo web;; *) echo other;; esac`), stdout: "web\n"},
		{name: "function", argv: sh(`greet() { echo "hi $1"; }; greet you`), stdout: "hi you\n"},
		{name: "pipe", argv: sh("echo hello | tr a-z A-Z"), stdout: "HELLO\n"},
		{name: "long pipe", argv: sh("seq 10 | sort -rn | head -n 3 | tr '\\n' ' '"), stdout: "10 9 8 "},
		{name: "pipe ends an endless writer", argv: sh("yes | head -n 2"), stdout: "y\ny\n"},
		{name: "broken pipes are quiet", argv: sh("yes | cat | head -n 1; seq 1000 | grep 1 | head -n 1; head -c 3 /dev/zero | wc -c"), stdout: "y\n1\n3\n"},
		{name: "pipefail sees SIGPIPE's status", argv: []string{"sh", "-o", "pipefail", "-c", "yes | head -n 1"}, stdout: "y\n", code: 141},
		{name: "pipe into while read", argv: sh(`printf 'a b\nc d\n' | while read x y; do echo "$y-$x"; done`), stdout: "b-a\nd-c\n"},
		{name: "pipe status is the last", argv: sh("false | true")},
		{name: "pipefail", argv: []string{"sh", "-o", "pipefail", "-c", "false | true"}, code: 1},
		{name: "here-document", argv: sh("cat <<EOF\n$GREETING\n  indented\nEOF"), stdout: "hello world\n  indented\n"},
		{name: "here-string", argv: sh(`wc -w <<< "a b c"`), stdout: "3\n"},
		{name: "redirect in", argv: sh("wc -l < data.txt"), stdout: "3\n"},
		{name: "redirect out and append", argv: sh("echo a > out.txt; echo b >> out.txt; cat out.txt; rm out.txt"), stdout: "a\nb\n"},
		{name: "stderr to stdout", argv: sh("cat /nope 2>&1"), stdout: "cat: /nope: No such file or directory\n", code: 1},
		{name: "dev null", argv: sh("echo hidden > /dev/null; cat /nope 2>/dev/null; echo $?"), stdout: "1\n"},
		{name: "dev stderr", argv: sh("echo oops > /dev/stderr"), stderr: "oops\n"},
		{name: "cd is the applets' directory", argv: sh("cd sub && pwd && touch f && ls && cd .. && ls -1 sub"), stdout: dir + "/sub\nf\nf\n"},
		{name: "only exported variables reach commands", argv: sh("X=1; printenv X; export X; printenv X"), stdout: "1\n"},
		{name: "prefix assignment", argv: sh("Y=2 printenv Y"), stdout: "2\n"},
		{name: "not found", argv: sh("nosuch arg; echo $?"), stdout: "127\n", stderr: "sh: nosuch: not found\n"},
		{name: "not found status", argv: sh("nosuch"), stderr: "sh: nosuch: not found\n", code: 127},
		{name: "applet by path", argv: sh("/bin/echo via path"), stdout: "via path\n"},
		{name: "script by path", argv: sh("./script.sh x y"), stdout: "./script.sh has 2 args: x y\n", code: 4},
		{name: "script without x", argv: sh("./plain.sh"), stderr: "sh: ./plain.sh: Permission denied\n", code: 126},
		{name: "exec", argv: sh("exec echo replaced; echo never"), stdout: "replaced\n"},
		{name: "background and wait", argv: sh("sleep 0.01 & wait; echo done"), stdout: "done\n"},
		{name: "trap on exit", argv: sh("trap 'echo bye' EXIT; echo hi"), stdout: "hi\nbye\n"},
		{name: "errexit", argv: []string{"sh", "-e", "-c", "false; echo no"}, code: 1},
		{name: "positional parameters", argv: sh(`echo "$0|$1|$2|$#"`, "name", "a", "b"), stdout: "name|a|b|2\n"},
		{name: "syntax error", argv: sh("if then"), stderr: "sh: line 1: syntax error:", code: 2},
		{name: "script file", argv: []string{"sh", "script.sh", "p"}, stdout: "script.sh has 1 args: p\n", code: 4},
		{name: "missing script", argv: []string{"sh", "missing.sh"}, stderr: "sh: can't open 'missing.sh': No such file or directory\n", code: 2},
		{name: "script on stdin", argv: []string{"sh"}, stdin: "echo from stdin\nexit 5\n", stdout: "from stdin\n", code: 5},
		{name: "empty stdin", argv: []string{"sh"}},
		{name: "stdin to commands", argv: sh("while read l; do echo \"<$l>\"; done"), stdin: "a\nb\n", stdout: "<a>\n<b>\n"},
		{name: "stdin to applets", argv: sh("sort -r"), stdin: "a\nc\nb\n", stdout: "c\nb\na\n"},
		{name: "nested sh", argv: sh(`sh -c 'echo inner $0' x; echo outer`), stdout: "inner x\nouter\n"},
		{name: "busybox sh", argv: []string{"busybox", "sh", "-c", "echo ok"}, stdout: "ok\n"},
		{name: "env runs sh", argv: []string{"env", "A=1", "sh", "-c", "echo $A"}, stdout: "1\n"},
		{name: "bad option", argv: []string{"sh", "-Z", "-c", "true"}, stderr: "sh: ", code: 2},
	})
}

func TestFileApplets(t *testing.T) {
	dir := t.TempDir()
	check(t, dir, []appletCase{
		{name: "mkdir", argv: []string{"mkdir", "a"}},
		{name: "mkdir exists", argv: []string{"mkdir", "a"}, stderr: "mkdir: can't create directory 'a': File exists\n", code: 1},
		{name: "mkdir -p", argv: []string{"mkdir", "-p", "a/b/c", "a"}},
		{name: "mkdir no parent", argv: []string{"mkdir", "x/y"}, stderr: "mkdir: can't create directory 'x/y': No such file or directory\n", code: 1},
		{name: "touch", argv: []string{"touch", "a/file", "a/.hidden"}},
		{name: "touch -c", argv: []string{"touch", "-c", "a/none"}},
		{name: "ls", argv: []string{"ls", "a"}, stdout: "b\nfile\n"},
		{name: "ls -a", argv: []string{"ls", "-a", "a"}, stdout: ".\n..\n.hidden\nb\nfile\n"},
		{name: "ls -A", argv: []string{"ls", "-A", "a"}, stdout: ".hidden\nb\nfile\n"},
		{name: "ls -1", argv: []string{"ls", "-1"}, stdout: "a\n"},
		{name: "ls -F", argv: []string{"ls", "-F", "a"}, stdout: "b/\nfile\n"},
		{name: "ls file", argv: []string{"ls", "a/file"}, stdout: "a/file\n"},
		{name: "ls several", argv: []string{"ls", "a/b", "a/file", "a"}, stdout: "a/file\n\na:\nb\nfile\n\na/b:\nc\n"},
		{name: "ls -d", argv: []string{"ls", "-d", "a"}, stdout: "a\n"},
		{name: "ls missing", argv: []string{"ls", "nope"}, stderr: "ls: nope: No such file or directory\n", code: 1},
		{name: "rm file", argv: []string{"rm", "a/.hidden"}},
		{name: "rm missing", argv: []string{"rm", "a/.hidden"}, stderr: "rm: can't remove 'a/.hidden': No such file or directory\n", code: 1},
		{name: "rm -f missing", argv: []string{"rm", "-f", "a/.hidden"}},
		{name: "rm dir", argv: []string{"rm", "a/b"}, stderr: "rm: can't remove 'a/b': Is a directory\n", code: 1},
		{name: "rm -r", argv: []string{"rm", "-r", "a/b"}},
		{name: "ls after rm", argv: []string{"ls", "a"}, stdout: "file\n"},
		{name: "rm -rf", argv: []string{"rm", "-rf", "a", "zzz"}},
		{name: "ls empty", argv: []string{"ls"}},
		{name: "grep -r", argv: []string{"sh", "-c", "mkdir -p d/e && echo needle > d/e/f && echo hay > d/g && grep -r needle d"}, stdout: "d/e/f:needle\n"},
		{name: "grep files", argv: []string{"grep", "-c", "e", "d/e/f", "d/g"}, stdout: "d/e/f:1\nd/g:0\n"},
		{name: "grep -l", argv: []string{"grep", "-l", "needle", "d/e/f", "d/g"}, stdout: "d/e/f\n"},
		{name: "head files", argv: []string{"head", "-n", "1", "d/e/f", "d/g"}, stdout: "==> d/e/f <==\nneedle\n\n==> d/g <==\nhay\n"},
		{name: "wc files", argv: []string{"wc", "-l", "d/e/f", "d/g"}, stdout: "        1 d/e/f\n        1 d/g\n        2 total\n"},
		{name: "cat dir", argv: []string{"cat", "d"}, stderr: "cat: d: Is a directory\n", code: 1},
		{name: "cat < dir", argv: []string{"sh", "-c", "cat < d; echo $?; cat -n < d; echo $?"}, stdout: "1\n1\n", stderr: "cat: read error: Is a directory\ncat: read error: Is a directory\n"},
		{name: "test -f -d", argv: []string{"sh", "-c", "test -f d/g && [ -d d/e ] && ! test -e d/nope && echo yes"}, stdout: "yes\n"},
		{name: "test applet -s", argv: []string{"test", "-s", "d/g"}},
	})

	t.Run("ls -l", func(t *testing.T) {
		got := runIn(t, dir, "", testEnv, "ls", "-l", "d")
		assert.Equal(t, 0, got.code)
		assert.Regexp(t, `^total \d+\ndrwxr-xr-x    1 root     root     +\d+ \w{3} [ \d]\d (?:[ \d]\d:\d\d| \d{4}) e\n-rw-r--r--    1 root     root             4 \w{3} [ \d]\d (?:[ \d]\d:\d\d| \d{4}) g\n$`, got.stdout)
	})
}

// With a terminal (TERM set, as runtimes do for `kubectl exec -it`) or -i,
// sh prompts and runs each line as it is typed; a mistyped line does not
// end it.
func TestShInteractive(t *testing.T) {
	term := append([]string{"TERM=xterm"}, testEnv...)
	check(t, "/", []appletCase{
		{name: "prompt and exit status", argv: []string{"sh"}, env: term, stdin: "echo hi\ncd /tmp\nexit 3\n", stdout: "hi\n", stderr: "/ # / # /tmp # ", code: 3},
		{name: "-i", argv: []string{"sh", "-i"}, stdin: "echo hi\n", stdout: "hi\n", stderr: "/ # / # "},
		{name: "continued line", argv: []string{"sh", "-i"}, stdin: "for i in 1 2\ndo echo $i; done\n", stdout: "1\n2\n", stderr: "/ # "},
		{name: "syntax error", argv: []string{"sh", "-i"}, stdin: "echo (\n", stderr: "sh: line 1: syntax error", code: 2},
		{name: "no terminal reads a script", argv: []string{"sh"}, stdin: "echo hi\n", stdout: "hi\n"},
	})
}
