package kubectl

import (
	"fmt"
	"io"
	"text/template/parse"

	"github.com/kubeplay/kubeplay/engine/kubectl/internal/template"
)

// A user's template (-o go-template, -o jsonpath) runs inside the engine,
// which in the browser shares one thread with the page: a template that
// ranges over a billion numbers would freeze the tab. Each run of a
// template gets a budget of steps and of output, and stops with an error
// when it spends it. Real kubectl has no such bound; its templates run in
// their own process. The limits are far above what a template over a
// large cluster needs (a range over 5,000 objects with a dozen blocks
// each is 60,000 steps).
const (
	templateSteps  = 100_000
	templateOutput = 16 << 20
)

// templateBudget counts one run's steps and output.
type templateBudget struct {
	steps   int
	written int
	err     error // why the run was stopped, once it was
}

func (b *templateBudget) reset() { *b = templateBudget{} }

// spend takes n steps, failing once the budget is spent.
func (b *templateBudget) spend(n int) error {
	if b.err != nil {
		return b.err
	}
	b.steps += n
	if b.steps > templateSteps {
		b.err = fmt.Errorf("the template was stopped after %d steps: kubeplay limits the work of a template so that the page keeps responding", templateSteps)
	}
	return b.err
}

// output takes n bytes of output, failing once there is too much.
func (b *templateBudget) output(n int) error {
	if b.err != nil {
		return b.err
	}
	b.written += n
	if b.written > templateOutput {
		b.err = fmt.Errorf("the template was stopped after %d MiB of output: kubeplay limits the output of a template so that the page keeps responding", templateOutput>>20)
	}
	return b.err
}

// budgetWriter is w, within the budget's output.
type budgetWriter struct {
	w io.Writer
	b *templateBudget
}

func (w budgetWriter) Write(p []byte) (int, error) {
	if err := w.b.output(len(p)); err != nil {
		return 0, err
	}
	return w.w.Write(p)
}

// budgetStep is the function meterTemplate calls at the start of each
// block (a template that calls it only spends a step more).
const budgetStep = "_kubeplayStep"

// stepFunc is the budgetStep function spending steps of b: add it to the
// template's functions before parsing it.
func (b *templateBudget) stepFunc() func() (string, error) {
	return func() (string, error) { return "", b.spend(1) }
}

// meterTemplate makes every block of t (the template's body, each
// range, if and with branch, each defined template) call budgetStep each
// time it runs: a template that does unbounded work must run some block
// unboundedly often.
func meterTemplate(t *template.Template) {
	for _, tt := range t.Templates() {
		if tt.Tree != nil {
			meterList(tt.Tree.Root)
		}
	}
}

func meterList(l *parse.ListNode) {
	if l == nil {
		return
	}
	for _, n := range l.Nodes {
		switch n := n.(type) {
		case *parse.IfNode:
			meterBranch(&n.BranchNode)
		case *parse.RangeNode:
			meterBranch(&n.BranchNode)
		case *parse.WithNode:
			meterBranch(&n.BranchNode)
		case *parse.ListNode:
			meterList(n)
		}
	}
	step := &parse.ActionNode{NodeType: parse.NodeAction, Pos: l.Pos, Pipe: &parse.PipeNode{
		NodeType: parse.NodePipe, Pos: l.Pos,
		Cmds: []*parse.CommandNode{{NodeType: parse.NodeCommand, Pos: l.Pos, Args: []parse.Node{parse.NewIdentifier(budgetStep).SetPos(l.Pos)}}},
	}}
	l.Nodes = append([]parse.Node{step}, l.Nodes...)
}

func meterBranch(b *parse.BranchNode) {
	meterList(b.List)
	meterList(b.ElseList)
}
