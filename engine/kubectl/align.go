package kubectl

import (
	"io"
	"text/tabwriter"
	"unicode/utf8"
)

// kubectl aligns its tables with text/tabwriter (minwidth 6, padding 3,
// spaces). These are those settings.
const (
	tableMinWidth = 6
	tablePadding  = 3
)

// writeAligned writes rows of cells as kubectl's tabwriter aligns them:
// each cell but a row's last padded with spaces to its column's width,
// the widest cell's runes plus the padding, at least the minimum width.
// For a table, whose rows all have the same number of cells, this is
// what tabwriter prints, at a fraction of its cost over a thousand rows;
// rows of differing lengths, whose columns tabwriter aligns block by
// block, go through tabwriter.
func writeAligned(w io.Writer, rows [][]string) error {
	if len(rows) == 0 {
		return nil
	}
	n := len(rows[0])
	for _, r := range rows {
		if len(r) != n {
			return writeTabwriter(w, rows)
		}
		for _, c := range r {
			for i := 0; i < len(c); i++ {
				if c[i] == '\t' || c[i] == '\v' || c[i] == '\n' || c[i] == '\f' {
					return writeTabwriter(w, rows) // cells that tabwriter splits
				}
			}
		}
	}
	widths := make([]int, n)
	size := 0
	for _, r := range rows {
		for i, c := range r {
			size += len(c)
			if i == n-1 {
				continue
			}
			if cw := utf8.RuneCountInString(c) + tablePadding; cw > widths[i] {
				widths[i] = cw
			}
		}
	}
	for i := range widths {
		widths[i] = max(widths[i], tableMinWidth)
	}
	b := make([]byte, 0, size+len(rows)*(1+n*tablePadding))
	for _, r := range rows {
		for i, c := range r {
			b = append(b, c...)
			if i == n-1 {
				break
			}
			for pad := widths[i] - utf8.RuneCountInString(c); pad > 0; pad-- {
				b = append(b, ' ')
			}
		}
		b = append(b, '\n')
	}
	_, err := w.Write(b)
	return err
}

// writeTabwriter writes rows through kubectl's tabwriter.
func writeTabwriter(w io.Writer, rows [][]string) error {
	tw := tabwriter.NewWriter(w, tableMinWidth, 4, tablePadding, ' ', 0)
	var b []byte
	for _, row := range rows {
		for i, cell := range row {
			if i > 0 {
				b = append(b, '\t')
			}
			b = append(b, cell...)
		}
		b = append(b, '\n')
	}
	if _, err := tw.Write(b); err != nil {
		return err
	}
	return tw.Flush()
}
