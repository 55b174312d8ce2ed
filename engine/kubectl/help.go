package kubectl

import (
	"bytes"
	"compress/gzip"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
)

// helpData is what the real kubectl prints for `kubectl [COMMAND ...]
// --help`, keyed by the command's path without "kubectl" ("" for kubectl
// itself, ":usage" for its usage): tools/realclients/helpgen writes it
// from k8s.io/kubectl.
//
//go:embed zz_generated.help.json.gz
var helpData []byte

var helpTexts = sync.OnceValue(func() map[string]string {
	texts := map[string]string{}
	r, err := gzip.NewReader(bytes.NewReader(helpData))
	if err != nil {
		panic(err)
	}
	b, err := io.ReadAll(r)
	if err == nil {
		err = json.Unmarshal(b, &texts)
	}
	if err != nil {
		panic(err)
	}
	return texts
})

// helpPath is the command a command line asks help for, when it does:
// `--help` or `-h` before any `--`, as cobra takes them anywhere among
// the flags. The command is the longest path of the line's words that is
// one of kubectl's commands (`create deployment web --help` is the help
// of `create deployment`), as cobra finds a command before its arguments,
// passing over flags and, after a flag without "=", a word that is no
// command (the flag's value).
func helpPath(args []string) (string, bool) {
	asked := false
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "--help" || a == "-h" || a == "--help=true" {
			asked = true
			break
		}
	}
	if !asked {
		return "", false
	}
	texts := helpTexts()
	path, afterFlag := "", false
	for _, a := range args {
		if a == "--" {
			break
		}
		if strings.HasPrefix(a, "-") {
			afterFlag = !strings.Contains(a, "=")
			continue
		}
		next := strings.TrimSpace(path + " " + a)
		if _, ok := texts[next]; ok {
			path, afterFlag = next, false
			continue
		}
		if !afterFlag {
			break
		}
		// The value of the flag before it (`rollout -n x status`).
		afterFlag = false
	}
	return path, true
}

// helpTopic prints `kubectl help [COMMAND ...]`: the command's help, or
// cobra's answer to a topic kubectl does not have.
func (k *Kubectl) helpTopic(io IO, topic []string) int {
	texts := helpTexts()
	path := ""
	for _, a := range topic {
		next := strings.TrimSpace(path + " " + a)
		if _, ok := texts[next]; !ok {
			if path != "" {
				// cobra finds `create` in `help create foo`, foo an
				// argument of create's.
				break
			}
			fmt.Fprintf(io.Out, "Unknown help topic %#q\n", topic)
			fmt.Fprint(io.Out, texts[":usage"])
			return 0
		}
		path = next
	}
	fmt.Fprint(io.Out, texts[path])
	return 0
}

// options is `kubectl options`: the flags every command inherits, as
// kubectl lists them (it takes any arguments and ignores them).
func (k *Kubectl) options(_ context.Context, io IO, _ []string) error {
	fmt.Fprint(io.Out, helpTexts()[":options"])
	return nil
}
