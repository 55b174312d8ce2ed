package kubectl

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The expected hunks are GNU diff -u's for the same inputs.
func TestUnifiedDiff(t *testing.T) {
	tests := []struct {
		name, a, b, want string
	}{
		{name: "same", a: "a\nb\n", b: "a\nb\n", want: ""},
		{name: "one line changed", a: "a\nb\nc\n", b: "a\nB\nc\n", want: "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"},
		{name: "from nothing", a: "", b: "x\ny\n", want: "@@ -0,0 +1,2 @@\n+x\n+y\n"},
		{name: "to nothing", a: "x\n", b: "", want: "@@ -1 +0,0 @@\n-x\n"},
		{name: "context is three lines",
			a:    "1\n2\n3\n4\n5\n6\n7\n8\n9\n",
			b:    "1\n2\n3\n4\nfive\n6\n7\n8\n9\n",
			want: "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"},
		{name: "two hunks",
			a:    "a\n1\n2\n3\n4\n5\n6\n7\n8\nb\n",
			b:    "A\n1\n2\n3\n4\n5\n6\n7\n8\nB\n",
			want: "@@ -1,4 +1,4 @@\n-a\n+A\n 1\n 2\n 3\n@@ -7,4 +7,4 @@\n 6\n 7\n 8\n-b\n+B\n"},
		{name: "close changes join",
			a:    "a\n1\n2\n3\n4\n5\n6\nb\n",
			b:    "A\n1\n2\n3\n4\n5\n6\nB\n",
			want: "@@ -1,8 +1,8 @@\n-a\n+A\n 1\n 2\n 3\n 4\n 5\n 6\n-b\n+B\n"},
		{name: "no newline at end", a: "a\n", b: "a\nb", want: "@@ -1 +1,2 @@\n a\n+b\n\\ No newline at end of file\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, unifiedDiff(tt.a, tt.b))
		})
	}
}
