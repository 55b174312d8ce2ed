package shell

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/hack-pad/hackpadfs"
	"mvdan.cc/sh/v3/syntax"

	"github.com/kubeplay/kubeplay/engine/kubectl"
)

// EditFunc edits text in the host's own editor (the page's); the shell
// calls it for kubectl edit without the cluster, which goes on meanwhile.
type EditFunc func(ctx context.Context, name string, text []byte) ([]byte, error)

// errNoEditor is what kubectl edit says when there is no editor to open.
var errNoEditor = errors.New("no editor: set KUBE_EDITOR or EDITOR to a command of this shell that edits the file named after it (for example EDITOR=\"sed -i 's/replicas: 1/replicas: 3/'\"), or change the object with kubectl patch, kubectl apply or kubectl replace")

// Edit is kubectl edit's editor: the host's, else $KUBE_EDITOR or $EDITOR
// run by the shell on a file holding the text, as kubectl runs them.
func (h kubectlHost) Edit(ctx context.Context, io kubectl.IO, name string, text []byte) ([]byte, error) {
	s := h.s
	if s.cfg.Editor != nil {
		var out []byte
		var err error
		h.Unlocked(func() { out, err = s.cfg.Editor(ctx, name, text) })
		return out, err
	}
	env := s.cmdEnv
	editor := ""
	for _, v := range []string{"KUBE_EDITOR", "EDITOR"} {
		if env != nil && env.Get(v).IsSet() && strings.TrimSpace(env.Get(v).String()) != "" {
			editor = env.Get(v).String()
			break
		}
	}
	if editor == "" {
		return nil, errNoEditor
	}
	file := fsPath(name)
	if err := hackpadfs.Mkdir(s.cfg.FS, "tmp", 0o777); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, err
	}
	if err := s.writeFile(file, text, 0o600); err != nil {
		return nil, err
	}
	defer hackpadfs.Remove(s.cfg.FS, file) //nolint:errcheck // a leftover temporary file is harmless
	q, err := syntax.Quote(name, syntax.LangBash)
	if err != nil {
		return nil, err
	}
	c := child{env: envList(exported(env)), dir: s.runner.Dir, stdout: io.Out, stderr: io.Err}
	code := 0
	h.Unlocked(func() { code = s.runScript(ctx, c, editor+" "+q) })
	if code != 0 {
		return nil, fmt.Errorf("there was a problem with the editor %q", editor)
	}
	return s.ReadFile(name)
}
