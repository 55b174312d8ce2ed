package main

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPCRE: the matcher finds what Go's regexp (leftmost-first, as PCRE)
// finds, captures included, for the constructs Ingress paths use.
func TestPCRE(t *testing.T) {
	patterns := []string{
		"^/something(/|$)(.*)", "/something(/|$)(.*)", "^/foo/bar/[A-Z0-9]{3}", "^/api/v[0-9]+/(.*)", "^/(app|web)(?:/(.*))?$",
		"^/a.c", "^/x{2,3}y", "^/x{2,}", "^/(.*?)/(.*)", "^/[^/]+/(\\d+)", "^/\\w+\\.html$", "^/", "(a|ab)(c|bcd)(d*)", "^/s\\s?x",
	}
	inputs := []string{"/something", "/something/", "/something/new", "/SomeThing/New/x", "/somethingelse", "/foo/bar/AB1", "/foo/bar/ab1x",
		"/foo/bar/a", "/api/v12/users", "/api/v/users", "/app", "/web/x/y", "/webx", "/abc", "/xxy", "/xxxxy", "/xy", "/one/two/three",
		"/users/42", "/users/x", "/index.html", "/index.htm", "", "/", "abcd", "/s x", "/sx"}
	for _, expr := range patterns {
		ours, err := compilePCRE(expr)
		require.NoError(t, err, expr)
		goRE := regexp.MustCompile("(?i)" + expr)
		for _, in := range inputs {
			assert.Equal(t, goRE.FindStringSubmatchIndex(in), ours.find(in), "%q on %q", expr, in)
		}
	}
	for _, bad := range []string{"(?=x)", "a(b", "a)", "\\1", "[z-a]", "*a", "(?<n>x)", "[abc"} {
		_, err := compilePCRE(bad)
		assert.Error(t, err, bad)
	}
	slow, err := compilePCRE("^(a*)*b")
	require.NoError(t, err)
	assert.Nil(t, slow.find("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), "a pattern that backtracks without end gives up")
}
