package kubectl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
)

// watchFlags are get's flags for watching.
type watchFlags struct {
	only, events   *bool
	requestTimeout *string
}

func addWatchFlags(fs *flagSet) watchFlags {
	return watchFlags{
		only:           fs.Bool("watch-only", "", false),
		events:         fs.Bool("output-watch-events", "", false),
		requestTimeout: fs.String("request-timeout", "", "0"),
	}
}

// timeout reads --request-timeout as client-go's ParseTimeout: a
// number of seconds or a duration; 0 (or less) waits for ever.
func (w watchFlags) timeout() (time.Duration, error) {
	return parseRequestTimeout(*w.requestTimeout)
}

// parseRequestTimeout is client-go's clientcmd.ParseTimeout.
func parseRequestTimeout(s string) (time.Duration, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return d, nil
	}
	return 0, errors.New("Invalid timeout value. Timeout must be a single integer in seconds, or an integer followed by a corresponding time unit (e.g. 1s | 2m | 3h)")
}

// forever is how long a watch waits when nothing ends it.
const forever = 100 * 365 * 24 * time.Hour

// watch is get -w and --watch-only: the objects as they are (unless
// --watch-only), then a row for each change as the cluster's virtual
// time runs, until the command is interrupted or --request-timeout is up.
func (g *getter) watch(ctx context.Context, targets []target, wf watchFlags) error {
	if len(targets) > 1 {
		return errors.New("watch is only supported on individual resources and resource collections, but a list of resources is found")
	}
	t := targets[0]
	if len(t.names) > 1 {
		return fmt.Errorf("watch is only supported on individual resources and resource collections, but %d resources were found", len(t.names))
	}
	timeout, err := wf.timeout()
	if err != nil {
		return err
	}
	if timeout <= 0 {
		// As http.Client's Timeout: none.
		timeout = forever
	}
	if g.sortBy != "" {
		fmt.Fprintln(g.io.Err, "warning: --watch or --watch-only requested, --sort-by will be ignored")
	}
	r, ns, opts, objs, err := g.watchStart(t)
	if err != nil {
		return err
	}
	if g.specErr != nil {
		return g.specErr
	}
	g.print.withKind = false
	out := &watchOutput{g: g, r: r, events: *wf.events}
	if !*wf.only {
		if err := out.print(apiserver.Added, objs); err != nil {
			return err
		}
	}
	var queue []apiserver.WatchEvent
	stop, err := g.k.c.Watch(r, ns, opts, func(e apiserver.WatchEvent) {
		if e.Type != apiserver.Bookmark {
			queue = append(queue, e)
		}
	})
	if err != nil {
		return err
	}
	defer stop()
	return g.watchLoop(ctx, timeout, &queue, out)
}

// watchLoop waits for events and prints them as they come.
func (g *getter) watchLoop(ctx context.Context, timeout time.Duration, queue *[]apiserver.WatchEvent, out *watchOutput) error {
	return g.k.watchUntil(ctx, timeout, func() bool { return len(*queue) > 0 }, func() error {
		events := *queue
		*queue = nil
		for _, e := range events {
			if err := out.print(e.Type, []api.Object{e.Object}); err != nil {
				return err
			}
		}
		return nil
	})
}

// watchUntil lets the cluster run until pending holds, then drains what
// came, again and again until timeout of virtual time passes (which ends
// the watch without an error) or ctx is cancelled.
func (k *Kubectl) watchUntil(ctx context.Context, timeout time.Duration, pending func() bool, drain func() error) error {
	deadline := k.c.Now().Add(timeout)
	for {
		err := k.host.Wait(ctx, deadline.Sub(k.c.Now()), pending)
		if derr := drain(); derr != nil {
			return derr
		}
		switch {
		case errors.Is(err, ErrTimeout):
			return nil
		case err != nil:
			return err
		}
	}
}

// watchStart reads what the watch starts from: the named object or the
// list, and the options that watch for changes after it.
func (g *getter) watchStart(t target) (*api.ResourceInfo, string, apiserver.ListOptions, []api.Object, error) {
	r := t.r
	if g.spec.table() {
		r = t.r.Stored()
	}
	ns := g.ns
	if !t.r.Namespaced {
		ns = ""
	}
	opts := g.opts
	if len(t.names) == 1 {
		if ns == "" && t.r.Namespaced {
			ns = g.k.namespace
		}
		if _, err := g.k.c.Get(t.r, ns, t.names[0]); err != nil {
			return nil, "", opts, nil, err
		}
		opts.FieldSelector = joinSelectors(opts.FieldSelector, "metadata.name="+t.names[0])
	}
	l, err := g.k.c.List(r, ns, opts)
	if err != nil {
		return nil, "", opts, nil, err
	}
	opts.ResourceVersion = l.ResourceVersion
	return r, ns, opts, l.Items, nil
}

func joinSelectors(a, b string) string {
	if a == "" {
		return b
	}
	return a + "," + b
}

// watchOutput prints watched objects: table rows that keep the widths of
// the columns printed before, as kubectl's tabwriter remembers them, or
// each object in a generic format.
type watchOutput struct {
	g       *getter
	r       *api.ResourceInfo
	events  bool // --output-watch-events
	widths  []int
	headers bool // printed already
	printed int  // objects printed in a generic format
}

func (o *watchOutput) print(typ string, objs []api.Object) error {
	if len(objs) == 0 {
		return nil
	}
	if !o.g.spec.table() {
		return o.printGeneric(typ, objs)
	}
	opts := o.g.print
	opts.noHeaders = opts.noHeaders || o.headers
	rows := tableRows(o.r, objs, o.g.k.c.Now(), opts)
	if o.events {
		for i := range rows {
			cell := typ
			if i == 0 && !opts.noHeaders {
				cell = "EVENT"
			}
			rows[i] = append([]string{cell}, rows[i]...)
		}
	}
	o.headers = true
	o.writeRows(o.g.io.Out, rows)
	return nil
}

func (o *watchOutput) printGeneric(typ string, objs []api.Object) error {
	for _, obj := range objs {
		u, err := unstructured(o.r, obj)
		if err != nil {
			return err
		}
		var v any = u
		if o.events {
			v = map[string]any{"type": typ, "object": u}
		}
		if o.printed > 0 && o.g.spec.format == "yaml" {
			fmt.Fprint(o.g.io.Out, "---\n")
		}
		o.printed++
		if err := o.g.spec.print(o.g.io.Out, v); err != nil {
			return fmt.Errorf("unable to output the provided object: %v", err)
		}
	}
	return nil
}

// writeRows aligns rows as text/tabwriter with kubectl's settings (minimum
// width 6, padding 3), never narrowing a column it printed wider before.
func (o *watchOutput) writeRows(w io.Writer, rows [][]string) {
	for _, row := range rows {
		for c, cell := range row[:len(row)-1] {
			if c >= len(o.widths) {
				o.widths = append(o.widths, 0)
			}
			o.widths[c] = max(o.widths[c], 6, utf8.RuneCountInString(cell)+3)
		}
	}
	var b strings.Builder
	for _, row := range rows {
		for c, cell := range row {
			b.WriteString(cell)
			if c < len(row)-1 {
				b.WriteString(strings.Repeat(" ", o.widths[c]-utf8.RuneCountInString(cell)))
			}
		}
		b.WriteByte('\n')
	}
	io.WriteString(w, b.String())
}
