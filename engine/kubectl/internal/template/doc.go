// Package template is Go 1.26's text/template (exec.go, funcs.go,
// option.go, template.go, and internal/fmtsort as sort.go; Go's BSD
// licence in LICENSE) without one thing: a field name is never looked up
// as a method of the value it applies to. text/template finds methods
// with reflect.Value.MethodByName, and a reachable call of it makes Go's
// linker keep every exported method of every type in the program, in case
// a template names it: 4.2 MB of the browser's 36 MB engine. kubectl's
// go-templates run over an object as encoding/json decodes it into
// map[string]any, which has no methods, so nothing else changes: the
// parser is text/template/parse, and the functions, options, output and
// error messages are text/template's own.
package template
