package api

import (
	"math/rand/v2"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestNameMatchersAreTheRegexps: the hand-written matchers accept what
// apimachinery's regular expressions accept, over seeded random strings
// of the characters that matter and some fixed cases.
func TestNameMatchersAreTheRegexps(t *testing.T) {
	cases := []struct {
		name  string
		re    *regexp.Regexp
		match func(string) bool
	}{
		{"label", regexp.MustCompile("^" + dns1123LabelFmt + "$"), matchDNS1123Label},
		{"subdomain", regexp.MustCompile("^" + dns1123SubdomainFmt + "$"), matchDNS1123Subdomain},
		{"qualified name", regexp.MustCompile("^" + qualifiedNameFmt + "$"), matchQualifiedName},
		{"label value", regexp.MustCompile("^" + labelValueFmt + "$"), matchLabelValue},
	}
	fixed := []string{"", "a", "A", "0", "-", ".", "_", "a-b", "a.b", "a..b", ".a", "a.", "-a", "a-", "a_b", "A.b-C_d", "web-5fcb5cf6c-x8b5p", "example.com", "kubernetes.io/hostname", "é", "a b"}
	const alphabet = "aZ09-._/é "
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 7))
		for range 500 {
			n := r.IntN(8)
			b := make([]byte, 0, n)
			for range n {
				b = append(b, alphabet[r.IntN(len(alphabet))])
			}
			fixed = append(fixed, string(b))
		}
	}
	for _, tc := range cases {
		for _, s := range fixed {
			assert.Equal(t, tc.re.MatchString(s), tc.match(s), "%s %q", tc.name, s)
		}
	}
}
