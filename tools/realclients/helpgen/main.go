// Command helpgen writes engine/kubectl/zz_generated.help.json.gz: what
// the real kubectl (k8s.io/kubectl at the version in go.mod) prints for
// `kubectl [COMMAND ...] --help`, for every command in its tree, keyed by
// the command's path without "kubectl" ("" is kubectl's own help,
// "create deployment" that of `kubectl create deployment`; ":usage" is
// kubectl's usage, which cobra prints after "Unknown help topic", and
// ":options" what `kubectl options` prints). The
// in-page kubectl prints these texts for its --help, -h and help.
//
//	cd tools/realclients && go run ./helpgen -out ../../engine/kubectl [-check]
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	cliflag "k8s.io/component-base/cli/flag"
	"k8s.io/component-base/logs"
	"k8s.io/kubectl/pkg/cmd"
)

const outFile = "zz_generated.help.json.gz"

// usageKey holds kubectl's usage (its help without the description); no
// command's path has a colon.
const usageKey = ":usage"

// optionsKey holds what `kubectl options` prints.
const optionsKey = ":options"

func main() {
	dir := flag.String("out", "", "the directory of the in-page kubectl (engine/kubectl)")
	check := flag.Bool("check", false, "fail if the file there differs from what would be written")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "usage: helpgen -out DIR [-check]")
		os.Exit(2)
	}
	// English texts, and nothing read from the machine's kubeconfig.
	for _, v := range []string{"LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE", "KUBECONFIG", "KUBECTL_COMMAND_HEADERS"} {
		_ = os.Unsetenv(v)
	}
	// kubectl reads os.Args itself (for plugins): it sees none.
	os.Args = []string{"kubectl"}
	root := cmd.NewDefaultKubectlCommand()
	// As kubectl's main runs it (component-base/cli): word-separator
	// normalization and the logging flags among the global options.
	root.SetGlobalNormalizationFunc(cliflag.WordSepNormalizeFunc)
	logs.AddFlags(root.PersistentFlags())
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	texts := map[string]string{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Deprecated != "" {
			return
		}
		out.Reset()
		c.InitDefaultHelpFlag()
		c.HelpFunc()(c, nil)
		key := strings.TrimSpace(strings.TrimPrefix(c.CommandPath(), root.Name()))
		texts[key] = out.String()
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	// What cobra prints after "Unknown help topic": kubectl's usage.
	out.Reset()
	_ = root.UsageFunc()(root)
	texts[usageKey] = out.String()
	// What `kubectl options` prints (its --help prints nothing).
	opts, _, err := root.Find([]string{"options"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out.Reset()
	opts.SetOut(&out)
	opts.Run(opts, nil)
	texts[optionsKey] = out.String()
	keys := make([]string, 0, len(texts))
	for k := range texts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// Keys sorted, so the file is the same from run to run.
	var js bytes.Buffer
	js.WriteString("{")
	for i, k := range keys {
		if i > 0 {
			js.WriteString(",")
		}
		kb, _ := json.Marshal(k)
		vb, _ := json.Marshal(texts[k])
		js.Write(kb)
		js.WriteString(":")
		js.Write(vb)
	}
	js.WriteString("}\n")
	var gz bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	_, _ = w.Write(js.Bytes())
	_ = w.Close()
	path := filepath.Join(*dir, outFile)
	if *check {
		old, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(old, gz.Bytes()) {
			fmt.Fprintf(os.Stderr, "%s is not what helpgen writes: run make apigen\n", path)
			os.Exit(1)
		}
		return
	}
	if err := os.WriteFile(path, gz.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%d commands, %d bytes of text, %d gzipped\n", len(keys), js.Len(), gz.Len())
}
