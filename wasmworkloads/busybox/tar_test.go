package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTar(t *testing.T) {
	dir := workdir(t)
	check(t, dir, []appletCase{
		{name: "create", argv: []string{"tar", "cf", "out.tar", "tree", "a"}},
		{name: "list", argv: []string{"tar", "-tf", "out.tar"}, stdout: "tree/\ntree/sub/\ntree/sub/y.txt\ntree/sub/z.log\ntree/x.txt\na\n"},
		{name: "extract into -C", argv: []string{"sh", "-c", "mkdir x && tar -xmf out.tar -C x && find x && cat x/tree/sub/y.txt"},
			stdout: "x\nx/a\nx/tree\nx/tree/sub\nx/tree/sub/y.txt\nx/tree/sub/z.log\nx/tree/x.txt\nyy\n"},
		{name: "mtime restored without -m", argv: []string{"sh", "-c", "mkdir y && tar xf out.tar -C y && stat -c %Y y/a"}, stdout: "1767225600\n"},
		{name: "to stdout", argv: []string{"tar", "xOf", "out.tar", "tree/x.txt", "a"}, stdout: "x\nhi\n"},
		{name: "member not in archive", argv: []string{"tar", "tf", "out.tar", "a", "nope"}, stdout: "a\n", stderr: "tar: nope: not found in archive\n", code: 1},
		{name: "missing file", argv: []string{"tar", "cf", "bad.tar", "a", "nofile"}, stderr: "tar: nofile: No such file or directory\ntar: error exit delayed from previous errors\n", code: 1},
		{name: "empty archive", argv: []string{"tar", "cf", "e.tar"}, stderr: "tar: empty archive\n", code: 1},
		{name: "no such -C", argv: []string{"tar", "xf", "out.tar", "-C", "nodir"}, stderr: "tar: can't change directory to 'nodir': No such file or directory\n", code: 1},
		{name: "no mode", argv: []string{"tar", "-f", "out.tar"}, stderr: "Usage: tar", code: 1},
		{name: "not an archive", argv: []string{"tar", "xf", "-"}, stdin: strings.Repeat("x", 1024), stderr: "tar: invalid tar magic\n", code: 1},
		{name: "short archive", argv: []string{"tar", "xf", "-"}, stdin: "xyz", stderr: "tar: short read\n", code: 1},
		{name: "gzip round trip", argv: []string{"sh", "-c", "tar czf - a | tar xzOf -"}, stdout: "hi\n"},
	})
}

func TestTarMemberName(t *testing.T) {
	tests := []struct{ in, want, warn string }{
		{"a/b", "a/b", ""},
		{"/tmp/foo", "tmp/foo", "tar: removing leading '/' from member names\n"},
		{"../../x", "x", "tar: removing leading '../../' from member names\n"},
		{"a/../../b", "b", "tar: removing leading 'a/../../' from member names\n"},
	}
	for _, tt := range tests {
		var stderr strings.Builder
		p := &proc{args: []string{"tar"}, stderr: &stderr}
		o := &tarOptions{}
		assert.Equal(t, tt.want, p.memberName(o, tt.in), tt.in)
		assert.Equal(t, tt.warn, stderr.String(), tt.in)
		p.memberName(o, tt.in)
		assert.Equal(t, tt.warn, stderr.String(), "warned once: %s", tt.in)
	}
}
