package share

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	"mvdan.cc/sh/v3/syntax"

	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/scenario"
	"github.com/kubeplay/kubeplay/engine/session"
)

// Sharer makes a session's links, scenario files and exports, for the
// shell's `kubeplay share` and `kubeplay export` and for the page.
type Sharer struct {
	Session *session.Session
	// Scenario is the text of the scenario the session started from.
	Scenario string
	// URL is the page's address, to which the fragment is appended.
	URL string
}

// Link returns the session's share link.
func (x *Sharer) Link() (string, error) {
	l, err := FromSession(x.Session, x.Scenario)
	if err != nil {
		return "", err
	}
	enc, err := Encode(l)
	if err != nil {
		return "", err
	}
	base, _, _ := strings.Cut(x.URL, "#")
	return base + "#" + Prefix + enc, nil
}

// ScenarioFile returns the session as a scenario file that replays it:
// for a session too long for a link.
func (x *Sharer) ScenarioFile() ([]byte, error) {
	l, err := FromSession(x.Session, x.Scenario)
	if err != nil {
		return nil, err
	}
	return ToScenario(l)
}

// Export returns the user's objects as manifests (see Export).
func (x *Sharer) Export() ([]byte, error) {
	s := x.Session
	s.Lock()
	defer s.Unlock()
	return Export(client.New(s.Cluster().API(), "kubeplay-export"))
}

// ToScenario writes a link as a scenario file: its files, the setup of the
// scenario it started from, and one step whose code is the session's
// lines, with sleeps for the virtual time between them, the files written
// between them as here-documents, and a timeout where Ctrl-C stopped a
// command. It is close to the link but not exact: sleeps are whole
// milliseconds, and a file is written as the shell writes it.
func ToScenario(l *Link) ([]byte, error) {
	if slices.ContainsFunc(l.Entries, func(e Entry) bool { return e.Restart != nil }) {
		return nil, errors.New("the session reloaded its cluster on the way, which a scenario file cannot describe; share it as a link")
	}
	f := scenario.File{Title: "A shared session", Seed: l.Seed}
	if l.Scenario != "" {
		orig, err := scenario.Parse("the link's scenario", []byte(l.Scenario))
		if err != nil {
			return nil, err
		}
		f.Title, f.Description, f.Setup = orig.Title+" (a shared session)", orig.Description, orig.Setup
	}
	w := l.Cluster.Workers
	f.Cluster = scenario.Shape{Workers: &w, Zones: l.Cluster.Zones, NodeCPU: l.Cluster.NodeCPU, NodeMemory: l.Cluster.NodeMemory}
	f.Files = map[string]string{}
	for _, file := range l.Base {
		f.Files[file.Path] = file.Content
	}
	f.Steps = []scenario.Step{{Title: "Replay the session", Text: "The commands of the shared session, in order, with the time that passed between them.", Code: []string{sessionScript(l)}}}
	return yaml.Marshal(f)
}

// sessionScript is the session's lines as one script.
func sessionScript(l *Link) string {
	var b strings.Builder
	parser := syntax.NewParser()
	pending := ""
	last := time.Duration(-1)
	for i, e := range l.Entries {
		if pending == "" {
			if last >= 0 && e.At > last {
				fmt.Fprintf(&b, "sleep %s\n", seconds(e.At-last))
			}
			for _, file := range e.Files {
				writeFileLines(&b, file)
			}
		}
		line := e.Line
		if e.Stopped != nil && pending == "" {
			line = fmt.Sprintf("timeout %s %s", seconds(*e.Stopped-e.At), line)
		}
		b.WriteString(line + "\n")
		pending += e.Line + "\n"
		if _, err := parser.Parse(strings.NewReader(pending), ""); !syntax.IsIncomplete(err) {
			pending = ""
		}
		last = max(e.At, e.stopped())
		if i == 0 && last < 0 {
			last = 0
		}
	}
	return b.String()
}

func writeFileLines(b *strings.Builder, f File) {
	q, _ := syntax.Quote(f.Path, syntax.LangBash)
	if f.Removed {
		fmt.Fprintf(b, "rm -f %s\n", q)
		return
	}
	content := f.Content
	if !strings.HasSuffix(content, "\n") && content != "" {
		content += "\n"
	}
	fmt.Fprintf(b, "mkdir -p \"$(dirname %s)\"\ncat > %s <<'KUBEPLAY_EOF'\n%sKUBEPLAY_EOF\n", q, q, content)
}

// seconds writes a duration as sleep takes it: "1.5", whole milliseconds.
func seconds(d time.Duration) string {
	ms := d.Round(time.Millisecond).Milliseconds()
	if ms%1000 == 0 {
		return fmt.Sprint(ms / 1000)
	}
	return strings.TrimRight(fmt.Sprintf("%d.%03d", ms/1000, ms%1000), "0")
}
