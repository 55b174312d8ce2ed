package kubectl

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"text/tabwriter"
)

// customColumn is one column of -o custom-columns: a header and the
// JSONPath template of its cells.
type customColumn struct {
	header string
	path   *jsonTemplate
}

// customColumnsPrinter parses -o custom-columns=NAME:.metadata.name,...
// or reads -o custom-columns-file=FILE (a line of headers, a line of
// paths), as kubectl's CustomColumnsPrinter.
func (k *Kubectl) customColumnsPrinter(format, value string, noHeaders bool) (printer, error) {
	var cols []customColumn
	var err error
	if format == "custom-columns-file" {
		data, rerr := k.host.ReadFile(value)
		if rerr != nil {
			return nil, fmt.Errorf("error reading template %s, %v\n", value, rerr)
		}
		cols, err = columnsFromTemplate(string(data))
		noHeaders = false
	} else {
		cols, err = columnsFromSpec(value)
	}
	if err != nil {
		return nil, err
	}
	return func(w io.Writer, obj any) error { return printCustomColumns(w, cols, obj, noHeaders) }, nil
}

func columnsFromSpec(spec string) ([]customColumn, error) {
	parts := strings.Split(spec, ",")
	cols := make([]customColumn, len(parts))
	for i, part := range parts {
		header, path, ok := strings.Cut(part, ":")
		if !ok {
			return nil, fmt.Errorf("unexpected custom-columns spec: %s, expected <header>:<json-path-expr>", part)
		}
		c, err := newCustomColumn(header, path)
		if err != nil {
			return nil, err
		}
		cols[i] = c
	}
	return cols, nil
}

const columnsTemplateHelp = "Expected format is one line of space separated headers, one line of space separated column specs."

func columnsFromTemplate(data string) ([]customColumn, error) {
	lines := strings.Split(strings.ReplaceAll(data, "\r\n", "\n"), "\n")
	if data == "" {
		return nil, errors.New("invalid template, missing header line. " + columnsTemplateHelp)
	}
	if len(lines) < 2 || (len(lines) == 2 && lines[1] == "") {
		return nil, errors.New("invalid template, missing spec line. " + columnsTemplateHelp)
	}
	headers, specs := strings.Fields(lines[0]), strings.Fields(lines[1])
	if len(headers) != len(specs) {
		return nil, fmt.Errorf("number of headers (%d) and field specifications (%d) don't match", len(headers), len(specs))
	}
	cols := make([]customColumn, len(headers))
	for i := range headers {
		c, err := newCustomColumn(headers[i], specs[i])
		if err != nil {
			return nil, err
		}
		cols[i] = c
	}
	return cols, nil
}

func newCustomColumn(header, path string) (customColumn, error) {
	expr, err := relaxedJSONPath(path)
	if err != nil {
		return customColumn{}, err
	}
	j, err := newJSONPath(expr, true)
	if err != nil {
		return customColumn{}, err
	}
	return customColumn{header: header, path: j}, nil
}

var relaxedPath = regexp.MustCompile(`^\{\.?([^{}]+)\}$|^\.?([^{}]+)$`)

// relaxedJSONPath turns "a.b", ".a.b", "{a.b}" and "{.a.b}" into the
// template "{.a.b}", as kubectl does for custom columns and --sort-by.
func relaxedJSONPath(path string) (string, error) {
	if path == "" {
		return path, nil
	}
	m := relaxedPath.FindStringSubmatch(path)
	if m == nil {
		return "", errors.New("unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'")
	}
	field := m[1]
	if field == "" {
		field = m[2]
	}
	return "{." + field + "}", nil
}

// printCustomColumns writes the header and a row for the object or each
// item of a List: a cell's values joined by commas, <none> for none.
func printCustomColumns(w io.Writer, cols []customColumn, obj any, noHeaders bool) error {
	tw := tabwriter.NewWriter(w, 6, 4, 3, ' ', 0)
	defer tw.Flush()
	if !noHeaders {
		headers := make([]string, len(cols))
		for i, c := range cols {
			headers[i] = c.header
		}
		fmt.Fprintln(tw, strings.Join(headers, "\t"))
	}
	for _, item := range listItems(obj) {
		cells := make([]string, len(cols))
		for i, c := range cols {
			cell, err := columnCell(c, item)
			if err != nil {
				return err
			}
			cells[i] = cell
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return nil
}

func columnCell(c customColumn, item any) (string, error) {
	results, err := c.path.find(item)
	if err != nil {
		return "", err
	}
	var values []string
	if len(results) == 0 || len(results[0]) == 0 {
		values = append(values, "<none>")
	}
	for _, r := range results {
		for _, v := range r {
			values = append(values, fmt.Sprint(v))
		}
	}
	return strings.Join(values, ","), nil
}
