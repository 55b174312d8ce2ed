package kubectl

import (
	"fmt"
	"strings"
)

// unifiedDiff is what GNU `diff -u` prints for two texts (without its
// header lines): hunks with three lines of context, or "" when they are
// the same. Lines are compared whole; a text not ending in a newline gets
// diff's "\ No newline at end of file".
func unifiedDiff(a, b string) string {
	x, y := splitLines(a), splitLines(b)
	ops := lcsOps(x, y)
	var out strings.Builder
	for _, h := range hunks(ops, 3) {
		writeHunk(&out, ops[h[0]:h[1]], x, y)
	}
	return out.String()
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// diffOp is one line of the edit script: ' ' kept, '-' removed, '+' added,
// with the line's index in a (for ' ' and '-') and in b (for ' ' and '+').
type diffOp struct {
	kind byte
	i, j int
}

// lcsOps is the edit script of a longest common subsequence, removals
// before additions within a change, as diff prints them.
func lcsOps(a, b []string) []diffOp {
	n, m := len(a), len(b)
	// lcs[i][j] is the LCS length of a[i:] and b[j:].
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []diffOp
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = append(ops, diffOp{' ', i, j})
			i, j = i+1, j+1
		case j == m || i < n && lcs[i+1][j] >= lcs[i][j+1]:
			ops = append(ops, diffOp{'-', i, j})
			i++
		default:
			ops = append(ops, diffOp{'+', i, j})
			j++
		}
	}
	return ops
}

// hunks groups the changes with ctx lines of context around them, joining
// groups whose context would touch; each is a [start, end) range of ops.
func hunks(ops []diffOp, ctx int) [][2]int {
	var out [][2]int
	for k := 0; k < len(ops); k++ {
		if ops[k].kind == ' ' {
			continue
		}
		start := max(k-ctx, 0)
		end := k
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*ctx {
				end = min(end+ctx, len(ops))
				break
			}
			end = run
		}
		out = append(out, [2]int{start, end})
		k = end - 1
	}
	return out
}

func writeHunk(out *strings.Builder, ops []diffOp, a, b []string) {
	aStart, bStart, aLen, bLen := ops[0].i, ops[0].j, 0, 0
	for _, op := range ops {
		if op.kind != '+' {
			aLen++
		}
		if op.kind != '-' {
			bLen++
		}
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", hunkRange(aStart, aLen), hunkRange(bStart, bLen))
	for _, op := range ops {
		line := ""
		switch op.kind {
		case '+':
			line = b[op.j]
		default:
			line = a[op.i]
		}
		out.WriteByte(op.kind)
		out.WriteString(line)
		if !strings.HasSuffix(line, "\n") {
			out.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// hunkRange is diff's "start,count", with the count left out when it is
// 1 and the start one before when it is 0.
func hunkRange(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}
