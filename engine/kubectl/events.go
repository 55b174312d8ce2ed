package kubectl

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
)

// eventFormats are the -o values kubectl events takes, as its error lists
// them (kyaml aside, which the playground does not print).
var eventFormats = []string{"go-template", "go-template-file", "json", "jsonpath", "jsonpath-as-json", "jsonpath-file", "name", "template", "templatefile", "yaml"}

// events is `kubectl events`: the core/v1 events of a namespace (or all),
// oldest first, as a table of LAST SEEN, TYPE, REASON, OBJECT and MESSAGE
// or in a generic format; with -w, the events as they come on the
// cluster's virtual clock.
func (k *Kubectl) events(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet("events")
	nsFlag := k.commonFlags(fs)
	allNS := fs.Bool("all-namespaces", "A", false)
	watch := fs.Bool("watch", "w", false)
	forObj := fs.String("for", "", "")
	types := fs.Slice("types", "")
	fs.Int("chunk-size", "", 500)
	pf := addPrinterFlags(fs)
	wf := addWatchFlags(fs)
	if _, _, err := fs.Parse(args); err != nil {
		return err
	}
	ns := k.ns(nsFlag)
	opts := apiserver.ListOptions{}
	if *forObj != "" {
		sel, err := eventsFor(*forObj)
		if err != nil {
			return err
		}
		opts.FieldSelector = sel
	}
	spec, err := k.eventsOutput(pf)
	if err != nil {
		return err
	}
	for _, t := range *types {
		if !strings.EqualFold(t, "Normal") && !strings.EqualFold(t, "Warning") {
			return errors.New("valid --types are Normal or Warning")
		}
	}
	p := &eventPrinter{io: io, spec: spec, types: *types, allNS: *allNS, headers: !*pf.noHeaders, now: k.c.Now}
	listNS := ns
	if *allNS {
		listNS = ""
	}
	if *watch {
		timeout, err := wf.timeout()
		if err != nil {
			return err
		}
		return k.watchEvents(ctx, p, listNS, opts, timeout)
	}
	r, _ := api.LookupResource("events")
	l, err := k.c.List(r, listNS, opts)
	if err != nil {
		return err
	}
	evs := p.filter(l.Items)
	if len(evs) == 0 {
		if *allNS {
			fmt.Fprintln(io.Err, "No events found.")
		} else {
			fmt.Fprintf(io.Err, "No events found in %s namespace.\n", ns)
		}
		return nil
	}
	sort.Sort(sortableEvents(evs))
	return p.printList(evs)
}

// eventsFor is the field selector of --for TYPE/NAME: the events about
// objects of that kind, API version and name.
func eventsFor(s string) (string, error) {
	if !strings.Contains(s, "/") {
		return "", errors.New("--for must be in resource/name form")
	}
	typ, name, _ := strings.Cut(s, "/")
	if strings.Contains(name, "/") {
		return "", errors.New("arguments in resource/name form may not have more than one slash")
	}
	r, ok := api.LookupResource(typ)
	if !ok {
		return "", fmt.Errorf("the server doesn't have a resource type %q", typ)
	}
	return "involvedObject.kind=" + r.Kind + ",involvedObject.apiVersion=" + r.APIVersion() + ",involvedObject.name=" + name, nil
}

// eventsOutput reads -o: the event table, or one of the generic formats
// kubectl's print flags offer (no table columns of get's).
func (k *Kubectl) eventsOutput(pf printerFlags) (outputSpec, error) {
	format, _, _ := strings.Cut(*pf.output, "=")
	switch format {
	case "wide", "custom-columns", "custom-columns-file":
		return outputSpec{}, fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: %s", *pf.output, strings.Join(eventFormats, ","))
	}
	return k.parseOutput(pf)
}

// eventPrinter prints events as kubectl's EventPrinter (the table, with
// its header once) or through a generic printer.
type eventPrinter struct {
	io      IO
	spec    outputSpec
	types   []string
	allNS   bool
	headers bool
	now     func() time.Time
	rows    watchOutput // the table's column widths, kept as the tabwriter's
	printed int         // objects printed in a generic format
}

// filter keeps the events of the --types asked for, as *api.Event.
func (p *eventPrinter) filter(objs []api.Object) []*api.Event {
	var out []*api.Event
	for _, o := range objs {
		e := o.(*api.Event)
		if p.wanted(e) {
			out = append(out, e)
		}
	}
	return out
}

func (p *eventPrinter) wanted(e *api.Event) bool {
	if len(p.types) == 0 {
		return true
	}
	for _, t := range p.types {
		if strings.EqualFold(t, e.Type) {
			return true
		}
	}
	return false
}

// printList prints the listed events: a table, or one EventList.
func (p *eventPrinter) printList(evs []*api.Event) error {
	if p.spec.print == nil {
		p.printRows(evs)
		return nil
	}
	items := make([]*api.Event, len(evs))
	for i, e := range evs {
		items[i] = withEventType(e)
	}
	list := eventList{Kind: "EventList", APIVersion: "v1", Items: items}
	return p.printGeneric(list, items)
}

// eventList is core/v1 EventList as the typed client returns it.
type eventList struct {
	Kind       string       `json:"kind"`
	APIVersion string       `json:"apiVersion"`
	Metadata   struct{}     `json:"metadata"`
	Items      []*api.Event `json:"items"`
}

func withEventType(e *api.Event) *api.Event {
	c := *e
	c.Kind, c.APIVersion = "Event", "v1"
	return &c
}

// printGeneric prints obj (an Event or EventList) in the -o format: JSON
// and YAML in the typed client's field order, the others from its JSON.
func (p *eventPrinter) printGeneric(obj any, items []*api.Event) error {
	out := p.io.Out
	switch p.spec.format {
	case "json", "yaml":
		if p.printed > 0 && p.spec.format == "yaml" {
			fmt.Fprint(out, "---\n")
		}
		p.printed++
		return writeRendered(out, obj, p.spec.format)
	case "name":
		for _, e := range items {
			fmt.Fprintf(out, "event/%s\n", e.Name)
		}
		return nil
	}
	return printAsJSON(p.spec.print, out, obj)
}

// printRows writes table rows, the header before the first.
func (p *eventPrinter) printRows(evs []*api.Event) {
	var rows [][]string
	if p.headers {
		h := []string{"LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"}
		if p.allNS {
			h = append([]string{"NAMESPACE"}, h...)
		}
		rows = append(rows, h)
		p.headers = false
	}
	now := p.now()
	for _, e := range evs {
		row := []string{eventInterval(e, now), e.Type, e.Reason, e.InvolvedObject.Kind + "/" + e.InvolvedObject.Name, strings.TrimSpace(e.Message)}
		for i, c := range row {
			row[i] = terminalEscaper.Replace(c)
		}
		if p.allNS {
			row = append([]string{e.Namespace}, row...)
		}
		rows = append(rows, row)
	}
	// A message of several lines ends the tabwriter's column block, so the
	// rows after it align apart (no narrower, as it remembers widths).
	start := 0
	for i, row := range rows {
		if i == len(rows)-1 || strings.Contains(row[len(row)-1], "\n") {
			p.rows.writeRows(p.io.Out, rows[start:i+1])
			start = i + 1
		}
	}
}

// eventInterval is LAST SEEN: when the event last happened, with
// "(x3 over 5m)" for a repeated one.
func eventInterval(e *api.Event, now time.Time) string {
	since := func(t time.Time) string {
		if t.IsZero() {
			return "<unknown>"
		}
		return humanDuration(now.Sub(t))
	}
	first := since(e.EventTime.Time)
	if e.EventTime.IsZero() {
		first = since(e.FirstTimestamp.Time)
	}
	switch {
	case e.Series != nil:
		return fmt.Sprintf("%s (x%d over %s)", since(e.Series.LastObservedTime.Time), e.Series.Count, first)
	case e.Count > 1:
		return fmt.Sprintf("%s (x%d over %s)", since(e.LastTimestamp.Time), e.Count, first)
	}
	return first
}

// watchEvents is events -w: the events there are, in the order the API
// server lists them, then each added or changed one as virtual time runs,
// until interrupted or --request-timeout is up. Deleted events (expired
// after an hour) are not printed.
func (k *Kubectl) watchEvents(ctx context.Context, p *eventPrinter, ns string, opts apiserver.ListOptions, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = forever
	}
	r, _ := api.LookupResource("events")
	l, err := k.c.List(r, ns, opts)
	if err != nil {
		return err
	}
	opts.ResourceVersion = l.ResourceVersion
	var queue []api.Object
	stop, err := k.c.Watch(r, ns, opts, func(e apiserver.WatchEvent) {
		if e.Type == apiserver.Added || e.Type == apiserver.Modified {
			queue = append(queue, e.Object)
		}
	})
	if err != nil {
		return err
	}
	defer stop()
	if err := p.printEach(l.Items); err != nil {
		return err
	}
	return k.watchUntil(ctx, timeout, func() bool { return len(queue) > 0 }, func() error {
		objs := queue
		queue = nil
		return p.printEach(objs)
	})
}

// printEach prints events one by one, as a watch prints them.
func (p *eventPrinter) printEach(objs []api.Object) error {
	for _, e := range p.filter(objs) {
		if p.spec.print == nil {
			p.printRows([]*api.Event{e})
			continue
		}
		e = withEventType(e)
		if err := p.printGeneric(e, []*api.Event{e}); err != nil {
			return err
		}
	}
	return nil
}
