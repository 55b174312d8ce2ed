package kubectl

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A template that would run without end, or print without end, is stopped
// by its budget with an error; one within it prints what it makes.
func TestTemplateBudget(t *testing.T) {
	stepped := fmt.Sprintf("the template was stopped after %d steps", templateSteps)
	flooded := fmt.Sprintf("the template was stopped after %d MiB of output", templateOutput>>20)
	tests := []struct {
		name, format, text string
		want, wantErr      string
	}{
		{name: "a billion iterations", format: "go-template", text: "{{range 1000000000}}x{{end}}", wantErr: stepped},
		{name: "a billion silent iterations", format: "go-template", text: "{{range 1000000000}}{{end}}", wantErr: stepped},
		{name: "nested ranges", format: "go-template", text: "{{range 100000}}{{range 100000}}{{if true}}{{end}}{{end}}{{end}}", wantErr: stepped},
		{name: "doubling templates", format: "go-template",
			text:    `{{define "a"}}{{template "b"}}{{template "b"}}{{end}}{{define "b"}}{{range 1000}}{{template "c"}}{{end}}{{end}}{{define "c"}}{{range 1000}}{{end}}{{end}}{{template "a"}}`,
			wantErr: stepped},
		{name: "wide output", format: "go-template", text: `{{range 40000}}{{printf "%999999d" 1}}{{end}}`, wantErr: flooded},
		{name: "a bounded range", format: "go-template", text: `{{range $i := 3}}{{$i}}{{end}} {{.metadata.name}}`, want: "012 web"},
		{name: "a template within the budget", format: "go-template", text: `{{range 50000}}{{end}}ok`, want: "ok"},
		{name: "a jsonpath over 8^8 values", format: "jsonpath", text: "{.grid" + strings.Repeat("[*]", 8) + "}", wantErr: stepped},
		{name: "a jsonpath within the budget", format: "jsonpath", text: `{range .metadata.labels.*}{@}{end}`, want: "web"},
	}
	pod := map[string]any{"kind": "Pod", "metadata": map[string]any{"name": "web", "labels": map[string]any{"app": "web"}}, "spec": map[string]any{
		"containers": []any{map[string]any{"name": "c", "image": "busybox", "args": []any{"a", "b", "c", "d", "e", "f", "g", "h"}}}}}
	grid := []any{"a", "b", "c", "d", "e", "f", "g", "h"} // eight levels of eight, shared
	for range 7 {
		grid = []any{grid, grid, grid, grid, grid, grid, grid, grid}
	}
	k := &Kubectl{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p printer
			var err error
			obj := any(pod)
			if tt.format == "jsonpath" {
				p, err = k.jsonPathPrinter(tt.format, tt.text, false)
				obj = map[string]any{"metadata": pod["metadata"], "grid": grid}
			} else {
				p, err = k.goTemplatePrinter(tt.format, tt.text, false)
			}
			require.NoError(t, err)
			var buf bytes.Buffer
			err = p(&buf, obj)
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.want, buf.String())
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			// The budget is per run: the printer works again.
			assert.LessOrEqual(t, buf.Len(), templateOutput)
		})
	}
}
