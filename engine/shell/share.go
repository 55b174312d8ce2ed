package shell

import (
	"fmt"

	"mvdan.cc/sh/v3/interp"
)

// Sharer makes the session's share links and exports, for `kubeplay
// share` and `kubeplay export`. The shell's Host implements it where a
// session can be shared (the session's does once it is told how); the
// calls take the cluster themselves.
type Sharer interface {
	Link() (string, error)
	ScenarioFile() ([]byte, error)
	Export() ([]byte, error)
}

// Digester gives kubeplay hash the digest of the cluster's history.
type Digester interface {
	HistoryDigest() (string, error)
	HistoryRevisions() []string
}

// Link sizes past which kubeplay share warns, then offers a file.
const (
	shareWarnSize     = 8 << 10
	shareScenarioSize = 32 << 10
)

var kubeplayShareTools = map[string]*tool{
	"share": {name: "kubeplay share", usage: []string{"kubeplay share [--scenario]"},
		about: "Print a link that opens this session in a fresh playground: the scenario it\n" +
			"started from, the home directory's files and each command with the moment it ran,\n" +
			"compressed into the link's fragment (never sent to a server). Opening it replays\n" +
			"them, which reaches the same state. With --scenario, print the session as a\n" +
			"scenario file instead, for sessions too long for a link.",
		opts:   []option{{long: "scenario", help: "print a scenario file that replays the session"}},
		status: 1},
	"export": {name: "kubeplay export", usage: []string{"kubeplay export"},
		about: "Print the objects you made as manifests that apply to a real cluster with\n" +
			"kubectl apply -f: without status or the fields the server sets, and without what\n" +
			"controllers made (a Deployment's ReplicaSets and pods).",
		status: 1},
	"hash": {name: "kubeplay hash", usage: []string{"kubeplay hash [--revisions]"},
		about: "Print a SHA-256 digest of the cluster's history: every revision its store\n" +
			"committed, in order, with its key and value (since the cluster started, or since\n" +
			"a reload restored it). The same scenario and seed give the same digest at the same\n" +
			"moment, in the browser and in kubeplay shell: compare two runs with it. With\n" +
			"--revisions, list the revisions the store still holds (compaction drops the older\n" +
			"ones every five minutes), each with its key and a digest of its value, to find where\n" +
			"two runs part.",
		opts:   []option{{long: "revisions", help: "list the revisions still held, one a line"}},
		status: 1},
}

// kubeplayShare runs kubeplay share, export and hash.
func (s *Shell) kubeplayShare(hc interp.HandlerContext, verb string, args []string) int {
	t := kubeplayShareTools[verb]
	p, code, done := t.parse(hc, args)
	if done {
		return code
	}
	if len(p.args) > 0 {
		return t.usageError(hc.Stderr, "extra operand '%s'", p.args[0])
	}
	if verb == "hash" {
		d, ok := s.cfg.Host.(Digester)
		if !ok {
			fmt.Fprintln(hc.Stderr, "kubeplay hash: this shell has no cluster")
			return 1
		}
		if p.has("revisions") {
			for _, line := range d.HistoryRevisions() {
				fmt.Fprintln(hc.Stdout, line)
			}
			return 0
		}
		sum, err := d.HistoryDigest()
		if err != nil {
			fmt.Fprintf(hc.Stderr, "kubeplay hash: %v\n", err)
			return 1
		}
		fmt.Fprintln(hc.Stdout, sum)
		return 0
	}
	sh, ok := s.cfg.Host.(Sharer)
	if !ok {
		fmt.Fprintf(hc.Stderr, "kubeplay %s: this shell's session cannot be shared\n", verb)
		return 1
	}
	var out []byte
	var err error
	switch {
	case verb == "export":
		out, err = sh.Export()
	case p.has("scenario"):
		out, err = sh.ScenarioFile()
	default:
		return printLink(hc, sh)
	}
	if err != nil {
		fmt.Fprintf(hc.Stderr, "kubeplay %s: %v\n", verb, err)
		return 1
	}
	hc.Stdout.Write(out)
	return 0
}

func printLink(hc interp.HandlerContext, sh Sharer) int {
	link, err := sh.Link()
	if err != nil {
		fmt.Fprintf(hc.Stderr, "kubeplay share: %v\n", err)
		return 1
	}
	fmt.Fprintln(hc.Stdout, link)
	size := len(link)
	fmt.Fprintf(hc.Stderr, "kubeplay share: the link is %s\n", sizeText(size))
	switch {
	case size > shareScenarioSize:
		fmt.Fprintln(hc.Stderr, "kubeplay share: a link this long is often cut short; 'kubeplay share --scenario > session.yaml' writes the session as a scenario file to send instead")
	case size > shareWarnSize:
		fmt.Fprintln(hc.Stderr, "kubeplay share: warning: links longer than 8 KB are cut short by some chat tools and mail readers")
	}
	return 0
}

func sizeText(n int) string {
	if n < 1024 {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%.1f KB", float64(n)/1024)
}
