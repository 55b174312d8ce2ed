package kubectl

import (
	"bytes"
	"io"
	"testing"
)

// maxTemplate bounds a fuzzed template as a command line bounds it.
const maxTemplate = 1 << 10

// fuzzObject is what the printers run over: a List of two pods as the API
// server sends them, numbers as kubectl's unstructured decoder makes them.
var fuzzObject = func() any {
	v, err := decodeJSONValue([]byte(`{"apiVersion":"v1","kind":"List","metadata":{"resourceVersion":""},"items":[
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-0","namespace":"default","labels":{"app":"web","example.com/tier":"front"},"annotations":{"a.b/c":"x"}},
 "spec":{"nodeName":"node-1","containers":[{"name":"nginx","image":"nginx:1.27","ports":[{"containerPort":80,"name":"http"}],"resources":{"limits":{"cpu":"500m","memory":"128Mi"}}},{"name":"side","image":"busybox","args":["sleep","3600"]}]},
 "status":{"phase":"Running","podIP":"10.244.1.2","conditions":[{"type":"Ready","status":"True"},{"type":"PodScheduled","status":"True"}],"containerStatuses":[{"name":"nginx","ready":true,"restartCount":0},{"name":"side","ready":false,"restartCount":3}]}},
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"db-0","namespace":"default","labels":{"app":"db"}},"spec":{"containers":[{"name":"redis","image":"redis"}]},"status":{"phase":"Pending","ratio":0.5,"empty":{},"none":null,"list":[]}}]}`))
	if err != nil {
		panic(err)
	}
	return v
}()

// FuzzJSONPath: any -o jsonpath template parses or gives an error; a parsed
// template runs over a List of pods to output or an error, never a panic.
func FuzzJSONPath(f *testing.F) {
	for _, s := range []string{
		"{.items[*].metadata.name}", "{.items[0].spec.containers[*].image}", "{.items[-1:]}", "{.items[::-1]}",
		"{range .items[*]}{.metadata.name}{\"\\t\"}{.status.phase}{\"\\n\"}{end}",
		"{range .items[*]}{range .spec.containers[*]}{.name}{end}{end}", "{.items[?(@.status.phase==\"Running\")].metadata.name}",
		"{.items[*].status.conditions[?(@.type=='Ready')].status}", "{..name}", "{..containers[*]..name}",
		"{.items[*].metadata.labels['example\\.com/tier']}", "{.items[0].metadata.labels.example\\.com/tier}",
		"{.items[0,1].metadata.name}", "{.items[0]['metadata','spec']}", "{$.kind}", "{@}", "{.items[*].status.ratio}",
		"{.items[?(@.status.ratio>0.1)].metadata.name}", "{.items[?(@.spec.nodeName)].metadata.name}",
		"{.items[10]}", "{.items[1:0]}", "{.items[0:99999999999999999999]}", "{.items[::0]}", "{end}", "{range .items}",
		"{", "}", "{{}}", "{.items[}", "{.items[?(@.x<)]}", "{'unterminated}", "{.a.b.c.d.e.f.g.h}", "plain text",
		"{.items[*]['metadata']['name']}", "{.items[?(@.metadata.name=~\"web\")]}", "{true}", "{1.5}", "{-1}",
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, tmpl string, allowMissing bool) {
		if len(tmpl) > maxTemplate {
			return
		}
		j, err := newJSONPath(tmpl, allowMissing)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		_ = j.execute(&buf, fuzzObject)
		j.asJSON = true
		_ = j.execute(io.Discard, fuzzObject)
	})
}

// FuzzCustomColumns: any -o custom-columns spec and custom-columns-file
// template parses or gives an error; parsed columns print the List of pods
// or give an error, never a panic.
func FuzzCustomColumns(f *testing.F) {
	for _, s := range []string{
		"NAME:.metadata.name,STATUS:.status.phase", "NAME:metadata.name", "IMAGES:{.spec.containers[*].image}",
		"READY:.status.containerStatuses[?(@.name==\"nginx\")].ready", "X:", ":", "NAME", "A:.a,B", "A:{.a}{.b}",
		"NAME NODE\n.metadata.name .spec.nodeName\n", "NAME\n", "NAME NODE\n.metadata.name\n", "", "\n\n",
		"A:.items[*]", "L:.metadata.labels.example\\.com/tier", "A:..name", "A:{range .x}{end}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		if len(spec) > maxTemplate {
			return
		}
		for _, parse := range []func(string) ([]customColumn, error){columnsFromSpec, columnsFromTemplate} {
			cols, err := parse(spec)
			if err != nil {
				continue
			}
			_ = printCustomColumns(io.Discard, cols, fuzzObject, false)
		}
	})
}

// FuzzGoTemplate: any -o go-template parses or gives an error; a parsed
// template runs over a pod to output or an error, never a panic.
func FuzzGoTemplate(f *testing.F) {
	for _, s := range []string{
		"{{.metadata.name}}", "{{range .items}}{{.metadata.name}}{{\"\\n\"}}{{end}}",
		"{{range .items}}{{if exists . \"spec\" \"nodeName\"}}{{.spec.nodeName}}{{end}}{{end}}",
		"{{index .items 0 \"metadata\" \"labels\" \"app\"}}", "{{index .items 5}}", "{{base64decode \"aGVsbG8=\"}}",
		"{{base64decode \"!!\"}}", "{{.missing.field}}", "{{len .items}}", "{{printf \"%v\" .}}", "{{template \"output\" .}}",
		"{{define \"x\"}}{{template \"x\"}}{{end}}{{template \"x\"}}", "{{", "}}", "{{end}}", "{{.items | len}}",
		"{{with $x := .kind}}{{$x}}{{end}}", "{{range 1000000000}}x{{end}}", "{{call .kind}}", "{{slice .kind 1 2}}", "{{range $i, $e := .items}}{{$i}}{{end}}",
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	k := &Kubectl{}
	f.Fuzz(func(t *testing.T, text string, allowMissing bool) {
		if len(text) > maxTemplate {
			return
		}
		p, err := k.goTemplatePrinter("go-template", text, allowMissing)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		_ = p(&buf, fuzzObject)
	})
}
