package shell

import (
	"path"
	"sort"
	"strings"

	"github.com/hack-pad/hackpadfs"
)

// Completion is what Tab can put in place of line[Start:cursor]: Words,
// sorted. A word ending in "/" is a directory, to be continued.
type Completion struct {
	Start int      `json:"start"`
	Words []string `json:"words"`
}

// interpBuiltins are the interpreter's own commands, offered as commands.
var interpBuiltins = []string{"alias", "break", "cd", "command", "continue", "echo", "eval", "exec", "exit", "export",
	"false", "getopts", "printf", "pwd", "read", "readonly", "return", "set", "shift", "source", "test", "trap", "true",
	"type", "unalias", "unset", "wait"}

// Complete completes the word before the cursor: a command name first on
// a command, kubectl's verbs, resource types and object names after
// kubectl (or k), and file names otherwise. It takes the cluster for
// object names.
func (s *Shell) Complete(line string, cursor int) Completion {
	if cursor < 0 || cursor > len(line) {
		cursor = len(line)
	}
	head := line[:cursor]
	if i := strings.LastIndexAny(head, "|;&(`"); i >= 0 {
		head = head[i+1:]
	}
	words := strings.Fields(head)
	if len(words) == 0 || strings.HasSuffix(head, " ") || strings.HasSuffix(head, "\t") {
		words = append(words, "")
	}
	word := words[len(words)-1]
	c := Completion{Start: cursor - len(word)}
	switch {
	case len(words) == 1 && !strings.Contains(word, "/"):
		c.Words = s.commandNames(word)
	case (words[0] == "kubectl" || words[0] == "k") && !afterFileFlag(words):
		s.cfg.Lock()
		c.Words = s.kubectl.Complete(words[1:])
		s.cfg.Unlock()
	default:
		c.Words = s.fileNames(word)
	}
	return c
}

func afterFileFlag(words []string) bool {
	if len(words) < 2 {
		return false
	}
	prev := words[len(words)-2]
	return prev == "-f" || prev == "--filename" || prev == "-k"
}

func (s *Shell) commandNames(prefix string) []string {
	var out []string
	for n := range builtins {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	for _, n := range interpBuiltins {
		if _, dup := builtins[n]; !dup && strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// fileNames lists the files whose path starts with word, relative to the
// working directory as the word is.
func (s *Shell) fileNames(word string) []string {
	dir, base := path.Split(word)
	entries, err := hackpadfs.ReadDir(s.cfg.FS, fsPath(abs(s.runner.Dir, dir)))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, base) || strings.HasPrefix(name, ".") && !strings.HasPrefix(base, ".") {
			continue
		}
		if e.IsDir() {
			name += "/"
		}
		out = append(out, dir+name)
	}
	sort.Strings(out)
	return out
}
