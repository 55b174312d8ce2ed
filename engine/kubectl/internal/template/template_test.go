package template

import (
	"encoding/json"
	"strings"
	"testing"
	stdtemplate "text/template"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const object = `{"kind":"Pod","metadata":{"name":"web-0","labels":{"app":"web","tier":"b","a":"z"},"annotations":null},
"spec":{"containers":[{"name":"nginx","image":"nginx","ports":[{"containerPort":80}]},{"name":"side","image":"busybox"}]},
"status":{"phase":"Running","ready":true,"restarts":3,"ratio":0.5}}`

// TestSameAsTextTemplate holds the copy to text/template: the same output
// and the same error for each template, over an object as kubectl
// decodes it, with each missingkey option kubectl uses.
func TestSameAsTextTemplate(t *testing.T) {
	var data map[string]any
	require.NoError(t, json.Unmarshal([]byte(object), &data))
	funcs := map[string]any{"upper": strings.ToUpper}
	tests := []string{
		`{{.metadata.name}}`,
		`{{.metadata.missing}}`,
		`{{.metadata.annotations.x}}`,
		`{{.nope.deeper}}`,
		`{{range .spec.containers}}{{.name}}={{.image}} {{end}}`,
		`{{range $k, $v := .metadata.labels}}{{$k}}:{{$v}},{{end}}`,
		`{{range $i, $c := .spec.containers}}{{$i}}{{$c.name}}{{else}}none{{end}}`,
		`{{range .spec.containers}}{{if eq .name "side"}}{{break}}{{end}}{{.name}}{{end}}`,
		`{{with .status}}{{.phase}} {{.restarts}} {{.ratio}} {{.ready}}{{end}}`,
		`{{if and .status.ready (gt .status.restarts 2.0)}}yes{{else}}no{{end}}`,
		`{{len .spec.containers}} {{index .spec.containers 1 "name"}} {{index .metadata.labels "app"}}`,
		`{{printf "%s/%v %q" .kind .status.restarts .metadata.name}} {{print 1 2}} {{println "x"}}`,
		`{{html "<a>"}} {{js "a'b"}} {{urlquery "a b&c"}} {{not true}} {{or 0 "" "x"}}`,
		`{{slice .metadata.name 1 3}} {{.metadata.name | upper}} {{"a" | printf "%s-%s" "b"}}`,
		`{{define "t"}}[{{.}}]{{end}}{{template "t" .kind}}{{block "b" .status.phase}}<{{.}}>{{end}}`,
		`{{$x := 1}}{{$x = 2}}{{$x}} {{call .kind}}`,
		`{{.kind.name}}`,
		`{{index .spec.containers 5}}`,
		`{{lt .kind 3}}`,
		`{{.metadata.name 1}}`,
		`{{range .status.restarts}}{{.}}{{end}}`,
		`{{range 3}}{{.}}{{end}}`,
		`{{eq .status.phase "Running" "Pending"}} {{ne 1 2}} {{le 1.5 2.5}} {{ge "b" "a"}}`,
	}
	for _, text := range tests {
		for _, option := range []string{"missingkey=default", "missingkey=error"} {
			t.Run(option+" "+text, func(t *testing.T) {
				want, wantErr := runStd(text, option, funcs, data)
				got, gotErr := run(text, option, funcs, data)
				assert.Equal(t, want, got)
				assert.Equal(t, errString(wantErr), errString(gotErr))
			})
		}
	}
}

func runStd(text, option string, funcs map[string]any, data any) (string, error) {
	tmpl, err := stdtemplate.New("output").Funcs(funcs).Option(option).Parse(text)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	err = tmpl.Execute(&b, data)
	return b.String(), err
}

func run(text, option string, funcs map[string]any, data any) (string, error) {
	tmpl, err := New("output").Funcs(funcs).Option(option).Parse(text)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	err = tmpl.Execute(&b, data)
	return b.String(), err
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
