package api

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSelector(t *testing.T) {
	tests := []struct {
		in, str string
		match   map[string]string
		want    bool
	}{
		{"", "", map[string]string{"a": "b"}, true},
		{"app=nginx", "app=nginx", map[string]string{"app": "nginx"}, true},
		{"app==nginx", "app=nginx", map[string]string{"app": "web"}, false},
		{"app!=nginx", "app!=nginx", map[string]string{}, true},
		{"tier in (web, db)", "tier in (db,web)", map[string]string{"tier": "db"}, true},
		{"tier notin (web)", "tier notin (web)", map[string]string{"tier": "web"}, false},
		{"canary", "canary", map[string]string{"canary": ""}, true},
		{"!canary", "!canary", map[string]string{"canary": ""}, false},
		{"z=1, a=2", "a=2,z=1", map[string]string{"a": "2", "z": "1"}, true},
		{"n>3", "n>3", map[string]string{"n": "4"}, true},
		{"n<3", "n<3", map[string]string{"n": "4"}, false},
		{"app.kubernetes.io/name=web", "app.kubernetes.io/name=web", map[string]string{"app.kubernetes.io/name": "web"}, true},
	}
	for _, tt := range tests {
		s, err := ParseSelector(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.str, s.String(), tt.in)
		assert.Equal(t, tt.want, s.Matches(tt.match), tt.in)
	}
}

func TestParseSelectorErrors(t *testing.T) {
	for _, in := range []string{"a=b,", "a in b", "a in (b", "=b", "a>x", "a b"} {
		_, err := ParseSelector(in)
		assert.Error(t, err, in)
	}
}

func TestSelectorFromLabelSelector(t *testing.T) {
	s, err := SelectorFromLabelSelector(nil)
	require.NoError(t, err)
	assert.False(t, s.Matches(map[string]string{}), "nil selects nothing")

	s, err = SelectorFromLabelSelector(&LabelSelector{})
	require.NoError(t, err)
	assert.True(t, s.Matches(map[string]string{"x": "y"}), "empty selects everything")

	s, err = SelectorFromLabelSelector(&LabelSelector{
		MatchLabels:      map[string]string{"app": "web"},
		MatchExpressions: []LabelSelectorRequirement{{Key: "env", Operator: "In", Values: []string{"prod", "dev"}}},
	})
	require.NoError(t, err)
	assert.Equal(t, "app=web,env in (dev,prod)", s.String())
	assert.True(t, s.Matches(map[string]string{"app": "web", "env": "dev"}))

	_, err = SelectorFromLabelSelector(&LabelSelector{MatchExpressions: []LabelSelectorRequirement{{Key: "a", Operator: "Near"}}})
	assert.EqualError(t, err, `"Near" is not a valid label selector operator`)
}

func TestNames(t *testing.T) {
	assert.Empty(t, IsDNS1123Subdomain("web-0.example"))
	assert.NotEmpty(t, IsDNS1123Subdomain("Web"))
	assert.Empty(t, IsDNS1123Label("web-0"))
	assert.NotEmpty(t, IsDNS1123Label("web.0"))
	assert.Empty(t, ValidateQualifiedName("app.kubernetes.io/name"))
	assert.NotEmpty(t, ValidateQualifiedName("-bad"))
	assert.NotEmpty(t, ValidateQualifiedName("a/b/c"))
	assert.Empty(t, IsValidLabelValue(""))
	assert.NotEmpty(t, IsValidLabelValue("no spaces"))
}

func TestValidateQualifiedNameMessages(t *testing.T) {
	tests := []struct {
		value string
		want  []string
	}{
		{"app", nil},
		{"app.kubernetes.io/name", nil},
		{"/name", []string{"prefix part must be non-empty"}},
		{"example.com/", []string{"name part must be non-empty", "name part " + regexError(qualifiedNameErrMsg, qualifiedNameFmt, "MyName", "my.name", "123-abc")}},
		{"Example.com/x", []string{"prefix part " + IsDNS1123Subdomain("Example.com")[0]}},
		{"a/b/c", []string{"a qualified name " + regexError(qualifiedNameErrMsg, qualifiedNameFmt, "MyName", "my.name", "123-abc") +
			" with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"}},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			assert.Equal(t, tt.want, ValidateQualifiedName(tt.value))
		})
	}
}
