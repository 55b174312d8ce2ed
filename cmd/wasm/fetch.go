//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"syscall/js"

	"github.com/kubeplay/kubeplay/engine/runtime"
)

// fetchSource serves the images' modules from the web server, as listed in
// the manifest the page was built with.
type fetchSource struct {
	modules map[string]module
}

type module struct {
	runtime.Module
	url string
}

func newFetchSource(images js.Value) (*fetchSource, error) {
	if images.Type() != js.TypeObject {
		return nil, errors.New("the page did not say where the container images are")
	}
	s := &fetchSource{modules: map[string]module{}}
	keys := js.Global().Get("Object").Call("keys", images)
	for i := range keys.Length() {
		name := keys.Index(i).String()
		m := images.Get(name)
		s.modules[name] = module{
			Module: runtime.Module{Name: name, Size: int64(m.Get("size").Int()), Digest: "sha256:" + m.Get("sha256").String()},
			url:    m.Get("url").String(),
		}
	}
	return s, nil
}

// Stat implements runtime.ModuleSource.
func (s *fetchSource) Stat(name string) (runtime.Module, bool) {
	m, ok := s.modules[name]
	return m.Module, ok
}

// Fetch implements runtime.ModuleSource. It blocks the calling goroutine
// while the browser fetches; the loop is held meanwhile.
func (s *fetchSource) Fetch(name string) ([]byte, error) {
	m, ok := s.modules[name]
	if !ok {
		return nil, fmt.Errorf("no module %q", name)
	}
	resp, err := await(js.Global().Call("fetch", m.url))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", m.url, err)
	}
	if !resp.Get("ok").Bool() {
		return nil, fmt.Errorf("fetch %s: %s", m.url, resp.Get("statusText").String())
	}
	buf, err := await(resp.Call("arrayBuffer"))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", m.url, err)
	}
	arr := js.Global().Get("Uint8Array").New(buf)
	b := make([]byte, arr.Get("length").Int())
	js.CopyBytesToGo(b, arr)
	return b, nil
}

// await waits for a JavaScript promise.
func await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	var then, catch js.Func
	then = js.FuncOf(func(this js.Value, args []js.Value) any {
		ch <- result{v: args[0]}
		return nil
	})
	catch = js.FuncOf(func(this js.Value, args []js.Value) any {
		ch <- result{err: errors.New(args[0].Call("toString").String())}
		return nil
	})
	p.Call("then", then).Call("catch", catch)
	r := <-ch
	then.Release()
	catch.Release()
	return r.v, r.err
}
