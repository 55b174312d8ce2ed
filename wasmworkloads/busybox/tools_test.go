package main

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The expected outputs and messages below are BusyBox's (checked against
// BusyBox 1.35 where it behaves the same as the image's).

// workdir makes a directory with a few files for the file applets.
func workdir(t *testing.T) string {
	dir := t.TempDir()
	write := func(name, data string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644))
	}
	write("a", "hi\n")
	write("tree/x.txt", "x\n")
	write("tree/sub/y.txt", "yy\n")
	write("tree/sub/z.log", "")
	write("lines", "one\ntwo\nthree\nfour\nfive\n")
	ts := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	filepath.Walk(dir, func(path string, _ os.FileInfo, _ error) error {
		return os.Chtimes(path, ts, ts)
	})
	return dir
}

func TestFileTools(t *testing.T) {
	dir := workdir(t)
	check(t, dir, []appletCase{
		{name: "cp", argv: []string{"cp", "a", "b"}},
		{name: "cp copied", argv: []string{"cat", "b"}, stdout: "hi\n"},
		{name: "cp into dir", argv: []string{"cp", "a", "b", "tree"}},
		{name: "cp into dir done", argv: []string{"ls", "tree"}, stdout: "a\nb\nsub\nx.txt\n"},
		{name: "cp missing", argv: []string{"cp", "nofile", "x"}, stderr: "cp: can't stat 'nofile': No such file or directory\n", code: 1},
		{name: "cp dir", argv: []string{"cp", "tree", "copy"}, stderr: "cp: omitting directory 'tree'\n", code: 1},
		{name: "cp -r", argv: []string{"cp", "-r", "tree", "copy"}},
		{name: "cp -r done", argv: []string{"find", "copy"}, stdout: "copy\ncopy/a\ncopy/b\ncopy/sub\ncopy/sub/y.txt\ncopy/sub/z.log\ncopy/x.txt\n"},
		{name: "cp -r into itself", argv: []string{"cp", "-r", "tree", "tree/sub"}, stderr: "cp: recursion detected, omitting directory 'tree'\n", code: 1},
		{name: "cp same file", argv: []string{"cp", "a", "a"}, stderr: "cp: 'a' and 'a' are the same file\n", code: 1},
		{name: "cp several into a missing dir", argv: []string{"cp", "a", "b", "nodir"}, stderr: "cp: can't create 'nodir/a': No such file or directory\n", code: 1},
		{name: "cp no operands", argv: []string{"cp"}, stderr: "Usage: cp [-arPLHpfinlsTu] SOURCE DEST\nor: cp", code: 1},
		{name: "mv", argv: []string{"mv", "b", "c"}},
		{name: "mv done", argv: []string{"ls", "-1"}, stdout: "a\nc\ncopy\nlines\ntree\n"},
		{name: "mv missing", argv: []string{"mv", "nofile", "x"}, stderr: "mv: can't rename 'nofile': No such file or directory\n", code: 1},
		{name: "mv into dir", argv: []string{"mv", "c", "copy"}},
		{name: "rm -r", argv: []string{"rm", "-r", "copy"}},
		{name: "ln -s", argv: []string{"ln", "-s", "a", "link"}},
		{name: "readlink", argv: []string{"readlink", "link"}, stdout: "a\n"},
		{name: "readlink -f", argv: []string{"readlink", "-f", "link"}, stdout: dir + "/a\n"},
		{name: "realpath", argv: []string{"realpath", "link"}, stdout: dir + "/a\n"},
		{name: "ln exists", argv: []string{"ln", "-s", "a", "link"}, stderr: "ln: link: File exists\n", code: 1},
		{name: "ln -sf", argv: []string{"ln", "-sf", "lines", "link"}},
		{name: "ls -l shows a link's target", argv: []string{"sh", "-c", "ls -l link | sed 's/ .* link/ link/'"}, stdout: "lrwxrwxrwx link -> lines\n"},
		{name: "cat through link", argv: []string{"head", "-n", "1", "link"}, stdout: "one\n"},
		{name: "ln hard", argv: []string{"ln", "a", "hard"}},
		{name: "rm link", argv: []string{"rm", "link", "hard"}},
		{name: "mkdir", argv: []string{"mkdir", "-p", "d1/d2"}},
		{name: "rmdir not empty", argv: []string{"rmdir", "d1"}, stderr: "rmdir: 'd1': Directory not empty\n", code: 1},
		{name: "rmdir -p", argv: []string{"rmdir", "-p", "d1/d2"}},
		{name: "rmdir missing", argv: []string{"rmdir", "d1"}, stderr: "rmdir: 'd1': No such file or directory\n", code: 1},
		{name: "rmdir no operand", argv: []string{"rmdir"}, stderr: "Usage: rmdir [-p] DIRECTORY...\n", code: 1},
		{name: "chmod", argv: []string{"chmod", "+x", "a"}},
		{name: "chmod octal", argv: []string{"chmod", "755", "a"}},
		{name: "chmod bad mode", argv: []string{"chmod", "9z", "a"}, stderr: "chmod: invalid mode '9z'\n", code: 1},
		{name: "chmod missing", argv: []string{"chmod", "+x", "nofile"}, stderr: "chmod: nofile: No such file or directory\n", code: 1},
		{name: "stat -c", argv: []string{"stat", "-c", "%n %s %F %U %G %h %u", "a"}, stdout: "a 3 regular file root root 1 0\n"},
		{name: "stat dir", argv: []string{"stat", "-c", "%F %A", "tree"}, stdout: "directory drwxr-xr-x\n"},
		{name: "stat", argv: []string{"stat", "lines"}, stdout: "  File: lines\n  Size: 24        \tBlocks: 8          IO Block: 4096   regular file\n" +
			"Device: 2eh/46d\tInode: 0           Links: 1\nAccess: (0644/-rw-r--r--)  Uid: (    0/    root)   Gid: (    0/    root)\n" +
			"Access: 2026-01-01 00:00:00.000000000 +0000\nModify: 2026-01-01 00:00:00.000000000 +0000\nChange: 2026-01-01 00:00:00.000000000 +0000\n"},
		{name: "stat missing", argv: []string{"stat", "nofile"}, stderr: "stat: can't stat 'nofile': No such file or directory\n", code: 1},
		{name: "du", argv: []string{"du", "tree"}, stdout: "8\ttree/sub\n24\ttree\n"},
		{name: "du -s", argv: []string{"du", "-s", "tree"}, stdout: "24\ttree\n"},
		{name: "du -a", argv: []string{"du", "-a", "tree/sub"}, stdout: "4\ttree/sub/y.txt\n0\ttree/sub/z.log\n8\ttree/sub\n"},
		{name: "du -h -c", argv: []string{"du", "-hc", "tree/sub", "a"}, stdout: "8.0K\ttree/sub\n4.0K\ta\n12.0K\ttotal\n"},
		{name: "find", argv: []string{"find", "tree"}, stdout: "tree\ntree/a\ntree/b\ntree/sub\ntree/sub/y.txt\ntree/sub/z.log\ntree/x.txt\n"},
		{name: "find -name", argv: []string{"find", "tree", "-name", "*.txt"}, stdout: "tree/sub/y.txt\ntree/x.txt\n"},
		{name: "find -type d", argv: []string{"find", ".", "-type", "d"}, stdout: ".\n./tree\n./tree/sub\n"},
		{name: "find -maxdepth", argv: []string{"find", "tree", "-maxdepth", "1", "-type", "f"}, stdout: "tree/a\ntree/b\ntree/x.txt\n"},
		{name: "find ! -o", argv: []string{"find", "tree", "-type", "f", "!", "(", "-name", "*.txt", "-o", "-name", "a", ")"}, stdout: "tree/b\ntree/sub/z.log\n"},
		{name: "find -empty", argv: []string{"find", "tree", "-empty"}, stdout: "tree/sub/z.log\n"},
		{name: "find -exec ;", argv: []string{"find", "tree/sub", "-name", "*.txt", "-exec", "cat", "{}", ";"}, stdout: "yy\n"},
		{name: "find -exec +", argv: []string{"find", "tree", "-name", "*.txt", "-exec", "wc", "-l", "{}", "+"}, stdout: "        1 tree/sub/y.txt\n        1 tree/x.txt\n        2 total\n"},
		{name: "find -size", argv: []string{"find", "tree", "-size", "-1"}, stdout: "tree/sub/z.log\n"},
		{name: "find -delete", argv: []string{"find", "tree/sub", "-delete"}},
		{name: "find deleted", argv: []string{"find", "tree"}, stdout: "tree\ntree/a\ntree/b\ntree/x.txt\n"},
		{name: "find missing", argv: []string{"find", "nodir"}, stderr: "find: nodir: No such file or directory\n", code: 1},
		{name: "find unknown", argv: []string{"find", "-foo"}, stderr: "find: unrecognized: -foo\nUsage: find", code: 1},
		{name: "find needs argument", argv: []string{"find", "tree", "-name"}, stderr: "find: -name requires an argument\n", code: 1},
		{name: "find bad type", argv: []string{"find", "tree", "-type", "q"}, stderr: "find: invalid argument 'q' to '-type'\n", code: 1},
		{name: "tee", argv: []string{"tee", "t1", "t2"}, stdin: "x\n", stdout: "x\n"},
		{name: "tee -a", argv: []string{"tee", "-a", "t1"}, stdin: "y\n", stdout: "y\n"},
		{name: "tee wrote", argv: []string{"cat", "t1", "t2"}, stdout: "x\ny\nx\n"},
		{name: "tee bad file", argv: []string{"tee", "/nodir/x"}, stdin: "x\n", stdout: "x\n", stderr: "tee: /nodir/x: No such file or directory\n", code: 1},
		{name: "md5sum", argv: []string{"md5sum", "a"}, stdout: "764efa883dda1e11db47671c4a3bbd9e  a\n"},
		{name: "sha256sum stdin", argv: []string{"sha256sum"}, stdin: "hi\n", stdout: "98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4  -\n"},
		{name: "sha1sum", argv: []string{"sha1sum", "a"}, stdout: "55ca6286e3e4f4fba5d0448333fa99fc5a404a73  a\n"},
		{name: "md5sum -c", argv: []string{"md5sum", "-c"}, stdin: "764efa883dda1e11db47671c4a3bbd9e  a\n", stdout: "a: OK\n"},
		{name: "md5sum -c fails", argv: []string{"md5sum", "-c"}, stdin: "00000000000000000000000000000000  a\n", stdout: "a: FAILED\n",
			stderr: "md5sum: WARNING: 1 of 1 computed checksums did NOT match\n", code: 1},
		{name: "dd", argv: []string{"dd", "if=/dev/zero", "of=zeros", "bs=1k", "count=3"}, stderr: "3+0 records in\n3+0 records out\n3072 bytes (3.0KB) copied, 0.000000 seconds, 0B/s\n"},
		{name: "dd wrote", argv: []string{"wc", "-c", "zeros"}, stdout: "3072 zeros\n"},
		{name: "dd partial", argv: []string{"dd", "bs=2"}, stdin: "abc", stdout: "abc", stderr: "1+1 records in\n1+1 records out\n3 bytes (3B) copied, 0.000000 seconds, 0B/s\n"},
		{name: "dd skip count", argv: []string{"dd", "if=lines", "bs=4", "skip=1", "count=2", "status=none"}, stdout: "two\nthre"},
		{name: "dd bad operand", argv: []string{"dd", "foo"}, stderr: "Usage: dd", code: 1},
	})
}

func TestTextFilters(t *testing.T) {
	check(t, "/", []appletCase{
		{name: "rev", argv: []string{"rev"}, stdin: "ab\ncdé", stdout: "ba\nédc"},
		{name: "base64", argv: []string{"base64"}, stdin: "hello\n", stdout: "aGVsbG8K\n"},
		{name: "base64 wraps", argv: []string{"base64"}, stdin: strings.Repeat("x", 60), stdout: strings.Repeat("eHh4", 19) + "\n" + "eHh4\n"},
		{name: "base64 -w0", argv: []string{"base64", "-w", "0"}, stdin: strings.Repeat("x", 60), stdout: strings.Repeat("eHh4", 20) + "\n"},
		{name: "base64 -d", argv: []string{"base64", "-d"}, stdin: "aGVs\nbG8K\n", stdout: "hello\n"},
		{name: "base64 -d garbage", argv: []string{"base64", "-d"}, stdin: "!!!\n"},
		{name: "od", argv: []string{"od"}, stdin: "hi\n", stdout: "0000000 064550 000012\n0000003\n"},
		{name: "od -c", argv: []string{"od", "-c"}, stdin: "hi\n", stdout: "0000000   h   i  \\n\n0000003\n"},
		{name: "od -x", argv: []string{"od", "-x"}, stdin: "hi\n", stdout: "0000000 6968 000a\n0000003\n"},
		{name: "od -A d -t x1", argv: []string{"od", "-A", "d", "-t", "x1"}, stdin: "hi\n", stdout: "0000000 68 69 0a\n0000003\n"},
		{name: "xargs", argv: []string{"xargs"}, stdin: "a b\n c\n", stdout: "a b c\n"},
		{name: "xargs -n", argv: []string{"xargs", "-n", "1", "echo", "x"}, stdin: "a b  c", stdout: "x a\nx b\nx c\n"},
		{name: "xargs quotes", argv: []string{"xargs", "-n", "1"}, stdin: `'a b' "c d" e\ f`, stdout: "a b\nc d\ne f\n"},
		{name: "xargs -I", argv: []string{"xargs", "-I", "{}", "echo", "<{}>"}, stdin: "a b\nc\n", stdout: "<a b>\n<c>\n"},
		{name: "xargs -0", argv: []string{"xargs", "-0", "-n", "1"}, stdin: "a b\x00c\x00", stdout: "a b\nc\n"},
		{name: "xargs -t", argv: []string{"xargs", "-t", "echo"}, stdin: "a", stdout: "a\n", stderr: "echo a\n"},
		{name: "xargs empty input runs once", argv: []string{"xargs", "echo", "x"}, stdout: "x\n"},
		{name: "xargs -r", argv: []string{"xargs", "-r", "echo", "x"}},
		{name: "xargs unknown command", argv: []string{"xargs", "nosuch"}, stdin: "a", stderr: "xargs: nosuch: No such file or directory\n", code: 127},
		{name: "xargs failing command", argv: []string{"xargs", "sh", "-c", "exit 3"}, stdin: "a", code: 123},
		{name: "xargs unmatched quote", argv: []string{"xargs"}, stdin: "'a\n", stderr: "xargs: unmatched single quote\n", code: 1},
	})
}

func TestSed(t *testing.T) {
	sed := func(args ...string) []string { return append([]string{"sed"}, args...) }
	check(t, "/", []appletCase{
		{name: "s", argv: sed("s/o/0/"), stdin: "foo\nbar\n", stdout: "f0o\nbar\n"},
		{name: "s g", argv: sed("s/o/0/g"), stdin: "foo\n", stdout: "f00\n"},
		{name: "s nth", argv: sed("s/o/0/2"), stdin: "hello world\n", stdout: "hello w0rld\n"},
		{name: "s nth and g", argv: sed("s/a/b/2g"), stdin: "aaa\n", stdout: "abb\n"},
		{name: "s groups", argv: sed(`s/\(a\) \(b\)/\2 \1/`), stdin: "a b\n", stdout: "b a\n"},
		{name: "s -E groups", argv: sed("-E", `s/(b)(c)/\2\1/`), stdin: "abc\n", stdout: "acb\n"},
		{name: "s &", argv: sed("s/b/[&]/"), stdin: "abc\n", stdout: "a[b]c\n"},
		{name: "s empty matches", argv: sed("s/l*/X/g"), stdin: "hello\n", stdout: "XhXeXoX\n"},
		{name: "s GNU operators", argv: sed(`s/a\+\|c/X/g`), stdin: "aabc\n", stdout: "XbX\n"},
		{name: "s I", argv: sed("s/HELLO/bye/I"), stdin: "hello\n", stdout: "bye\n"},
		{name: "s newline", argv: sed(`s/,/\n/g`), stdin: "a,b\n", stdout: "a\nb\n"},
		{name: "s other delimiter", argv: sed("s|/usr|/opt|"), stdin: "/usr/bin\n", stdout: "/opt/bin\n"},
		{name: "s p with -n", argv: sed("-n", "s/x/y/p"), stdin: "x\nz\n", stdout: "y\n"},
		{name: "no final newline kept", argv: sed("p"), stdin: "a\nb", stdout: "a\na\nb\nb"},
		{name: "d", argv: sed("2d"), stdin: "1\n2\n3\n", stdout: "1\n3\n"},
		{name: "$ and 1", argv: sed("-n", "$p;1p"), stdin: "a\nb\nc\n", stdout: "a\nc\n"},
		{name: "range", argv: sed("-n", "2,3p"), stdin: "1\n2\n3\n4\n", stdout: "2\n3\n"},
		{name: "range +N", argv: sed("-n", "2,+1p"), stdin: "a\nb\nc\nd\n", stdout: "b\nc\n"},
		{name: "regex range", argv: sed("-n", "/b/,/c/p"), stdin: "a\nb\nx\nc\nd\n", stdout: "b\nx\nc\n"},
		{name: "negation", argv: sed("2!d"), stdin: "a\nb\nc\n", stdout: "b\n"},
		{name: "step", argv: sed("1~2d"), stdin: "1\n2\n3\n4\n5\n", stdout: "2\n4\n"},
		{name: "= and block", argv: sed("-n", "/x/,/y/{=;p}"), stdin: "x\ny\n", stdout: "1\nx\n2\ny\n"},
		{name: "$=", argv: sed("-n", "$="), stdin: "one\ntwo\n", stdout: "2\n"},
		{name: "N P D", argv: sed("$!N;P;D"), stdin: "a\nb\nc\n", stdout: "a\nb\nc\n"},
		{name: "join lines", argv: sed(":a;N;$!ba;s/\\n/,/g"), stdin: "a\nb\nc\n", stdout: "a,b,c\n"},
		{name: "a i c", argv: sed("-e", "1i head", "-e", "$a tail", "-e", "2c middle"), stdin: "1\n2\n3\n", stdout: "head\n1\nmiddle\n3\ntail\n"},
		{name: "a\\ text", argv: sed("a\\\nfoo"), stdin: "x\n", stdout: "x\nfoo\n"},
		{name: "hold space", argv: sed("-n", "1!G;h;$p"), stdin: "1\n2\n3\n", stdout: "3\n2\n1\n"},
		{name: "y", argv: sed("y/abc/xyz/"), stdin: "aabbcc\n", stdout: "xxyyzz\n"},
		{name: "q", argv: sed("2q"), stdin: "1\n2\n3\n", stdout: "1\n2\n"},
		{name: "Q with status", argv: sed("2Q5"), stdin: "1\n2\n3\n", stdout: "1\n", code: 5},
		{name: "t", argv: sed(":a;s/aa/a/;ta"), stdin: "aaaa\n", stdout: "a\n"},
		{name: "commands need no separator", argv: sed("pq"), stdin: "x\n", stdout: "x\nx\n"},
		{name: "comments and blanks", argv: sed("# drop two\n2d ; s/1/one/"), stdin: "1\n2\n", stdout: "one\n"},
		{name: "empty regex is the last", argv: sed("/a/s//b/"), stdin: "cat\n", stdout: "cbt\n"},
		{name: "l", argv: sed("-n", "l"), stdin: "a\tb\n", stdout: "a\\tb$\n"},
		{name: "unmatched", argv: sed("s/a/b"), stderr: "sed: unmatched '/'\n", code: 1},
		{name: "unsupported", argv: sed("k"), stderr: "sed: unsupported command k\n", code: 1},
		{name: "bad flag", argv: sed("s/a/b/q"), stderr: "sed: bad option in substitution expression\n", code: 1},
		{name: "no label", argv: sed("b foo"), stderr: "sed: can't find label for jump to 'foo'\n", code: 1},
		{name: "missing file", argv: sed("p", "/nofile"), stderr: "sed: /nofile: No such file or directory\n", code: 2},
		{name: "back-references", argv: sed(`s/\(a\)\1/x/`), stderr: "sed: bad regex '\\(a\\)\\1': back-references are not supported here\n", code: 1},
		{name: "no script", argv: sed(), stderr: "Usage: sed", code: 1},
	})

	t.Run("in place", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "f"), []byte("a\nb\n"), 0o644))
		check(t, dir, []appletCase{
			{name: "-i", argv: sed("-i", "s/a/x/", "f")},
			{name: "-i.bak", argv: sed("-i.bak", "s/b/y/", "f")},
			{name: "result", argv: []string{"cat", "f", "f.bak"}, stdout: "x\ny\nx\nb\n"},
		})
	})
}

func TestAwk(t *testing.T) {
	check(t, "/", []appletCase{
		{name: "fields", argv: []string{"awk", "{print $2}"}, stdin: "a b\nc d\n", stdout: "b\nd\n"},
		{name: "-F and -v", argv: []string{"awk", "-F:", "-v", "x=1", "{print $1+x}"}, stdin: "41:z\n", stdout: "42\n"},
		{name: "END sum", argv: []string{"awk", "{s+=$1} END {print s, NR}"}, stdin: "1\n2\n3\n", stdout: "6 3\n"},
		{name: "ENVIRON", argv: []string{"awk", "BEGIN {print ENVIRON[\"HOSTNAME\"]}"}, stdout: "web-0\n"},
		{name: "printf", argv: []string{"awk", "BEGIN {printf \"%05.1f|%s\\n\", 3.14159, \"x\"}"}, stdout: "003.1|x\n"},
		{name: "regex", argv: []string{"awk", "/b+/ {print NR}"}, stdin: "a\nabb\n", stdout: "2\n"},
		{name: "syntax error", argv: []string{"awk", "{print $1"}, stderr: "awk: cmd. line:1: Unexpected", code: 2},
		{name: "division by zero", argv: []string{"awk", "BEGIN {print 1/0}"}, stderr: "awk: cmd. line:1: Division by zero\n", code: 2},
		{name: "no program", argv: []string{"awk"}, stderr: "Usage: awk", code: 1},
	})
}

func TestProcessApplets(t *testing.T) {
	check(t, "/", []appletCase{
		{name: "ps", argv: []string{"ps"}, stdout: "PID   USER     TIME  COMMAND\n    1 root      0:00 sh -c ps\n"},
		{name: "ps from sh", argv: []string{"sh", "-c", "ps | tail -n 1 | cut -c 22-"}, stdout: "ps\n"},
		{name: "kill -l", argv: []string{"kill", "-l"}, stdout: " 1) HUP\n 2) INT\n 3) QUIT\n 4) ILL\n 5) TRAP\n 6) ABRT\n 7) BUS\n 8) FPE\n 9) KILL\n10) USR1\n11) SEGV\n12) USR2\n13) PIPE\n14) ALRM\n15) TERM\n16) STKFLT\n17) CHLD\n18) CONT\n19) STOP\n20) TSTP\n21) TTIN\n22) TTOU\n23) URG\n24) XCPU\n25) XFSZ\n26) VTALRM\n27) PROF\n28) WINCH\n29) POLL\n30) PWR\n31) SYS\n"},
		{name: "kill PID 1 is ignored", argv: []string{"kill", "-9", "1"}},
		{name: "kill no such process", argv: []string{"kill", "99999"}, stderr: "kill: can't kill pid 99999: No such process\n", code: 1},
		{name: "kill bad signal", argv: []string{"kill", "-FOO", "1"}, stderr: "kill: bad signal name 'FOO'\n", code: 1},
		{name: "timeout ends the command", argv: []string{"timeout", "0.05", "sleep", "10"}, code: 143},
		{name: "timeout -s KILL", argv: []string{"timeout", "-s", "KILL", "0.05", "sleep", "10"}, code: 137},
		{name: "timeout in time", argv: []string{"timeout", "5", "echo", "done"}, stdout: "done\n"},
		{name: "timeout status", argv: []string{"timeout", "5", "sh", "-c", "exit 3"}, code: 3},
		{name: "timeout no command", argv: []string{"timeout"}, stderr: "Usage: timeout [-s SIG] [-k KILL_SECS] SECS PROG ARGS\n", code: 1},
	})
	t.Run("free", func(t *testing.T) {
		got := runIn(t, "/", "", testEnv, "free")
		assert.Equal(t, 0, got.code)
		lines := strings.Split(got.stdout, "\n")
		require.Len(t, lines, 4)
		assert.Equal(t, "              total        used        free      shared  buff/cache   available", lines[0])
		assert.Equal(t, "Mem:        4194304", lines[1][:19], "4 GiB in kB: what a wasm32 module can address")
		assert.Equal(t, "Swap:             0           0           0", lines[2])
	})
}

// fakeNetwork is a network where one address serves HTTP.
type fakeNetwork struct {
	isolated
	names map[string]string
	serve func(req string) string
}

func (n fakeNetwork) LookupHost(ctx context.Context, host string) ([]string, error) {
	if ip, ok := n.names[host]; ok {
		return []string{ip}, nil
	}
	return n.isolated.LookupHost(ctx, host)
}

func (n fakeNetwork) Dial(ctx context.Context, addr string) (io.ReadWriteCloser, error) {
	if addr != "10.96.0.20:80" {
		return n.isolated.Dial(ctx, addr)
	}
	client, server := net.Pipe()
	go func() {
		defer server.Close()
		buf := make([]byte, 4096)
		k, _ := server.Read(buf)
		io.WriteString(server, n.serve(string(buf[:k])))
	}()
	return client, nil
}

func TestNetworkApplets(t *testing.T) {
	check(t, "/", []appletCase{
		{name: "nslookup without a network", argv: []string{"nslookup", "myservice"}, stdout: ";; connection timed out; no servers could be reached\n\n", code: 1},
		{name: "wget a service", argv: []string{"wget", "-O", "-", "http://myservice"}, stderr: "wget: bad address 'myservice'\n", code: 1},
		{name: "wget -q", argv: []string{"wget", "-qO-", "myservice:8080/x"}, stderr: "wget: bad address 'myservice:8080'\n", code: 1},
		{name: "wget an address", argv: []string{"wget", "http://10.96.0.1/"}, stderr: "Connecting to 10.96.0.1 (10.96.0.1:80)\nwget: can't connect to remote host (10.96.0.1): Network is unreachable\n", code: 1},
		{name: "wget localhost", argv: []string{"wget", "-q", "http://localhost:8080/"}, stderr: "wget: can't connect to remote host (127.0.0.1): Connection refused\n", code: 1},
		{name: "wget no URL", argv: []string{"wget"}, stderr: "Usage: wget", code: 1},
		{name: "wget unknown option", argv: []string{"wget", "-qx", "http://a/"}, stderr: "wget: unrecognized option '-x'\n", code: 1},
		{name: "wget option without its value", argv: []string{"wget", "-qT"}, stderr: "wget: option requires an argument -- 'T'\n", code: 1},
		{name: "wget long option without its value", argv: []string{"wget", "--timeout"}, stderr: "wget: option '--timeout' requires an argument\n", code: 1},
		{name: "wget value in the next word", argv: []string{"wget", "-qT", "1", "-U", "x", "--header=A: b", "myservice"}, stderr: "wget: bad address 'myservice'\n", code: 1},
		{name: "nc", argv: []string{"nc", "db", "5432"}, stderr: "nc: bad address 'db'\n", code: 1},
		{name: "nc -z: refusals told only with -v", argv: []string{"nc", "-z", "10.0.0.1", "80"}, code: 1},
		{name: "nc -vz", argv: []string{"nc", "-vz", "10.0.0.1", "80"}, stderr: "nc: 10.0.0.1 (10.0.0.1:80): Network is unreachable\n", code: 1},
		{name: "nc -u -l without a network", argv: []string{"nc", "-u", "-l", "-p", "9000"}, stderr: "nc: bind: Cannot assign requested address\n", code: 1},
		{name: "nc bad local port", argv: []string{"nc", "-l", "-p", "x"}, stderr: "nc: bad local port 'x'\n", code: 1},
		{name: "nc without operands", argv: []string{"nc"}, stderr: "Usage: nc [OPTIONS] HOST PORT  - connect\nnc [OPTIONS] -l -p PORT [HOST] [PORT]  - listen\n\n\t-e PROG", code: 1},
	})

	t.Run("wget through a network", func(t *testing.T) {
		saved := guestNetwork
		defer func() { guestNetwork = saved }()
		var got string
		guestNetwork = fakeNetwork{isolated: saved.(isolated), names: map[string]string{"nginx": "10.96.0.20"}, serve: func(req string) string {
			got = req
			if strings.HasPrefix(req, "GET /missing ") {
				return "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
			}
			if strings.HasPrefix(req, "GET /old ") {
				return "HTTP/1.1 301 Moved Permanently\r\nLocation: /\r\n\r\n"
			}
			return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n6\r\nworld\n\r\n0\r\n\r\n"
		}}
		check(t, t.TempDir(), []appletCase{
			{name: "-qO-", argv: []string{"wget", "-qO-", "http://nginx"}, stdout: "hello world\n"},
			{name: "redirect", argv: []string{"wget", "-q", "-O", "-", "http://nginx/old"}, stdout: "hello world\n"},
			{name: "404", argv: []string{"wget", "-q", "http://nginx/missing"}, stderr: "wget: server returned error: HTTP/1.1 404 Not Found\n", code: 1},
			{name: "to a file", argv: []string{"wget", "http://nginx/"}, stderr: "Connecting to nginx (10.96.0.20:80)\nsaving to 'index.html'\nindex.html           100% |"},
			{name: "saved", argv: []string{"cat", "index.html"}, stdout: "hello world\n"},
		})
		assert.Equal(t, "GET / HTTP/1.1\r\nHost: nginx\r\nUser-Agent: Wget\r\nConnection: close\r\n\r\n", got)
	})
}

func TestBash(t *testing.T) {
	// As the bash image's environment sets them at start.
	bashImage, withBash = true, true
	defer func() { bashImage, withBash = false, false }()
	check(t, "/", []appletCase{
		{name: "arrays", argv: []string{"bash", "-c", `a=(x y z); echo ${#a[@]} ${a[1]}`}, stdout: "3 y\n"},
		{name: "[[ ]]", argv: []string{"bash", "-c", `[[ "abc" == a* && 2 -lt 3 ]] && echo yes`}, stdout: "yes\n"},
		{name: "BASH_VERSION", argv: []string{"bash", "-c", `echo ${BASH_VERSION%%.*}; env | grep -c BASH || true`}, stdout: "5\n0\n"},
		{name: "$0", argv: []string{"bash", "-c", "echo $0"}, stdout: "bash\n"},
		{name: "not found", argv: []string{"bash", "-c", "nosuch"}, stderr: "bash: nosuch: command not found\n", code: 127},
		{name: "syntax error", argv: []string{"bash", "-c", "if"}, stderr: "bash: -c: line 1: syntax error", code: 2},
		{name: "--version", argv: []string{"bash", "--version"}, stdout: "GNU bash, version 5.3.3(1)-release (x86_64-pc-linux-musl)\n" +
			"Copyright (C) 2025 Free Software Foundation, Inc.\nLicense GPLv3+: GNU GPL version 3 or later <http://gnu.org/licenses/gpl.html>\n\n" +
			"This is free software; you are free to change and redistribute it.\nThere is NO WARRANTY, to the extent permitted by law.\n"},
		{name: "applets", argv: []string{"bash", "-c", "seq 3 | rev | sort -r | tr -d '\\n'"}, stdout: "321"},
		{name: "sh is there too", argv: []string{"sh", "-c", "bash -c 'echo $0'"}, stdout: "bash\n"},
		{name: "entrypoint: bash", argv: []string{"docker-entrypoint.sh", "bash"}, stdin: "echo $0\n", stdout: "bash\n"},
		{name: "entrypoint: options", argv: []string{"docker-entrypoint.sh", "-c", "echo hi"}, stdout: "hi\n"},
		{name: "entrypoint: a command", argv: []string{"docker-entrypoint.sh", "echo", "hi"}, stdout: "hi\n"},
		{name: "entrypoint: not found", argv: []string{"docker-entrypoint.sh", "nosuch"}, stderr: "/usr/local/bin/docker-entrypoint.sh: line 11: exec: nosuch: not found\n", code: 127},
	})
	bashImage, withBash = false, false
	check(t, "/", []appletCase{
		{name: "no bash in busybox", argv: []string{"sh", "-c", "bash -c true"}, stderr: "sh: bash: not found\n", code: 127},
		{name: "busybox bash", argv: []string{"bash"}, stderr: "bash: applet not found\n", code: 127},
	})
}

func TestWatch(t *testing.T) {
	got := runIn(t, "/", "", testEnv, "timeout", "0.05", "watch", "-n", "0.02", "echo", "hi")
	assert.Equal(t, 143, got.code)
	screens := strings.Split(got.stdout, "\033[H\033[J")
	require.GreaterOrEqual(t, len(screens), 3, "it runs again and again")
	assert.Empty(t, screens[0])
	assert.Equal(t, "Every 0.02s: echo hi"+strings.Repeat(" ", 41)+"2026-01-01 00:00:00\n\nhi\n", screens[1])
	got = runIn(t, "/", "", testEnv, "timeout", "0.03", "watch", "-t", "-n", "0.02", "date", "+%Y")
	assert.Equal(t, "\033[H\033[J2026\n", strings.SplitAfter(got.stdout, "2026\n")[0])
}

func TestSecondField(t *testing.T) {
	for _, s := range []string{"HTTP/1.1 200 OK", "HTTP/1.0 404", "  HTTP/1.1\t301  Moved", "HTTP/1.1", "", "   ", "a\u00a0b c", "a\u2003b"} {
		f := strings.Fields(s)
		got, ok := secondField(s)
		assert.Equal(t, len(f) >= 2, ok, "%q", s)
		if len(f) >= 2 {
			assert.Equal(t, f[1], got, "%q", s)
		}
	}
}
