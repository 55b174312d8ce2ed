package main

import (
	"fmt"
	"strings"
)

// envMain prints the environment, or runs a command in a changed one. The
// command is an applet run in this process, there being no other programs.
func envMain(p *proc) int {
	args := p.args[1:]
	env := p.environ()
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		arg := args[0]
		args = args[1:]
		switch {
		case arg == "--":
		case arg == "-" || arg == "-i" || arg == "--ignore-environment":
			env = nil
		case arg == "-u" || arg == "--unset":
			if len(args) == 0 {
				return p.usageError("option requires an argument -- 'u'")
			}
			env = unsetEnv(env, args[0])
			args = args[1:]
		case strings.HasPrefix(arg, "-u"):
			env = unsetEnv(env, arg[2:])
		default:
			return p.usageError("invalid option -- '%s'", strings.TrimPrefix(arg, "-"))
		}
		if arg == "--" {
			break
		}
	}
	for len(args) > 0 && strings.Contains(args[0], "=") {
		env = setEnv(env, args[0])
		args = args[1:]
	}
	if len(args) == 0 {
		for _, kv := range env {
			fmt.Fprintln(p.stdout, kv)
		}
		return 0
	}
	if _, ok := lookupApplet(baseName(args[0])); !ok && baseName(args[0]) != "busybox" {
		p.errorf("can't execute '%s': No such file or directory", args[0])
		return 127
	}
	child := *p
	child.args = args
	child.env, child.shellEnv = env, nil
	return dispatch(&child)
}

// printenvMain prints the named variables' values, or the whole
// environment. It fails if any variable is unset.
func printenvMain(p *proc) int {
	if len(p.args) == 1 {
		for _, kv := range p.environ() {
			fmt.Fprintln(p.stdout, kv)
		}
		return 0
	}
	status := 0
	for _, name := range p.args[1:] {
		if v, ok := p.getenv(name); ok {
			fmt.Fprintln(p.stdout, v)
		} else {
			status = 1
		}
	}
	return status
}

// setEnv returns env with NAME=value set, replacing an earlier definition.
func setEnv(env []string, kv string) []string {
	name, _, _ := strings.Cut(kv, "=")
	return append(unsetEnv(env, name), kv)
}

// unsetEnv returns env without name, leaving env itself unchanged.
func unsetEnv(env []string, name string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k != name {
			out = append(out, kv)
		}
	}
	return out
}

// baseName is the last element of a slash-separated path.
func baseName(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	return s
}
