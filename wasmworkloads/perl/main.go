// Command perl is kubeplay's perl image (docker.io/library/perl, any tag):
// enough of Perl for the Kubernetes documentation's Job example,
//
//	perl -Mbignum=bpi -wle 'print bpi(2000)'
//
// which computes pi to 2000 digits, for real (Machin's formula in big
// integers, rounded as Math::BigFloat rounds), and prints exactly what
// Perl prints. Programs are lists of print and say statements of bpi(N),
// numbers and strings; anything else stops with a message that says what
// this image can run, and a module it does not have fails as Perl fails
// to find one ("Can't locate Foo.pm in @INC"). It is a WASI module:
//
//	go run ./wasmworkloads/build -ldflags='-s -w' -o wasmworkloads/bin/perl.wasm ./wasmworkloads/perl
package main

import (
	"io"
	"os"
	"path"
	"strings"
)

// version is the perl the image says it is: the perl image's latest.
const (
	version    = "5.42.0"
	versionTag = "v5.42.0"
)

func main() {
	os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
}

// invocation is perl's command line once read.
type invocation struct {
	code     []string // -e and -E, one line each
	features bool     // -E: say and the other features
	lineEnd  string   // -l: $\
	modules  []string // -M and -m, as "Name=args"
	check    bool     // -c
	debug    bool     // -d
	loop     byte     // -n or -p, which this image cannot run
	script   string   // the program file, when no -e
	args     []string // @ARGV
}

// run is perl: it returns the exit status.
func run(argv []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(argv) == 0 {
		argv = []string{"perl"}
	}
	if name := path.Base(argv[0]); !strings.HasPrefix(name, "perl") {
		// The image is perl alone: no shell, no other programs.
		fprintf(stderr, "kubeplay: the perl image has perl only: exec: \"%s\": executable file not found in $PATH\n", argv[0])
		return 127
	}
	inv, status, done := parseArgs(argv[1:], stdout, stderr)
	if done {
		return status
	}
	p := &perl{out: stdout, err: stderr, lineEnd: inv.lineEnd, features: inv.features, file: "-e", imports: map[string]bool{}}
	for _, m := range inv.modules {
		if status, ok := p.use(m, 0); !ok {
			return status
		}
	}
	src, status, ok := program(inv, stdin, stderr, p)
	if !ok {
		return status
	}
	if inv.loop != 0 {
		return p.die(1, "kubeplay's perl image cannot run -%c's loop over the input", inv.loop)
	}
	if inv.debug {
		return debugger(stdout, src)
	}
	return p.run(src, inv.check)
}

// program is the source to run: the -e lines, the script, or stdin.
func program(inv invocation, stdin io.Reader, stderr io.Writer, p *perl) (string, int, bool) {
	switch {
	case len(inv.code) > 0:
		return strings.Join(inv.code, "\n"), 0, true
	case inv.script != "":
		data, err := os.ReadFile(inv.script)
		if err != nil {
			fprintf(stderr, "Can't open perl script \"%s\": %s\n", inv.script, errText(err))
			return "", 2, false
		}
		p.file = inv.script
		return string(data), 0, true
	}
	p.file = "-"
	data, _ := io.ReadAll(stdin)
	return string(data), 0, true
}

// errText is strerror's wording of an error.
func errText(err error) string {
	if os.IsNotExist(err) {
		return "No such file or directory"
	}
	if os.IsPermission(err) {
		return "Permission denied"
	}
	return err.Error()
}

// parseArgs reads perl's switches, clustered as perl allows (-wle): a
// switch that takes a value takes the rest of its word, or (-e, -I, -M
// with a space) the next word.
func parseArgs(args []string, stdout, stderr io.Writer) (inv invocation, status int, done bool) {
	inv.lineEnd = ""
	for len(args) > 0 {
		a := args[0]
		if a == "--" {
			args = args[1:]
			break
		}
		if len(a) < 2 || a[0] != '-' {
			break
		}
		args = args[1:]
		var ok bool
		if args, status, ok, done = inv.cluster(a[1:], args, stdout, stderr); !ok || done {
			return inv, status, true
		}
	}
	if len(inv.code) == 0 && len(args) > 0 {
		inv.script, args = args[0], args[1:]
	}
	inv.args = args
	return inv, 0, false
}

// cluster reads one word of switches; it returns the remaining words.
func (inv *invocation) cluster(sw string, rest []string, stdout, stderr io.Writer) ([]string, int, bool, bool) {
	for i := 0; i < len(sw); i++ {
		c := sw[i]
		value := sw[i+1:]
		switch c {
		case 'e', 'E':
			if value == "" {
				if len(rest) == 0 {
					fprintf(stderr, "No code specified for -%c.\n", c)
					return rest, 29, false, false
				}
				value, rest = rest[0], rest[1:]
			}
			inv.code = append(inv.code, value)
			inv.features = inv.features || c == 'E'
			return rest, 0, true, false
		case 'M', 'm', 'I':
			if value == "" {
				if len(rest) == 0 {
					fprintf(stderr, "Missing argument to -%c\n", c)
					return rest, 29, false, false
				}
				value, rest = rest[0], rest[1:]
			}
			if c != 'I' {
				inv.modules = append(inv.modules, value)
			}
			return rest, 0, true, false
		case 'l':
			inv.lineEnd = "\n"
			for i+1 < len(sw) && sw[i+1] >= '0' && sw[i+1] <= '7' {
				i++ // -l0NN: an octal $\, rare enough to read as a newline
			}
		case 'w', 'W', 'X', 's', 'a', 'T', 't', 'U', 'S':
		case 'c':
			inv.check = true
		case 'd':
			inv.debug = true
			return rest, 0, true, false // -d:Module, -dt: the rest is the debugger's
		case 'n', 'p':
			inv.loop = c
		case 'v':
			printVersion(stdout)
			return rest, 0, true, true
		case 'h':
			fprintf(stdout, "\nUsage: perl [switches] [--] [programfile] [arguments]\n")
			return rest, 0, true, true
		case 'F', 'i', '0', 'x', 'C':
			return rest, 0, true, false // their values are the rest of the word
		default:
			fprintf(stderr, "Unrecognized switch: -%s  (-h will show valid options).\n", sw[i:])
			return rest, 29, false, false
		}
	}
	return rest, 0, true, false
}

func printVersion(w io.Writer) {
	fprintf(w, "\nThis is perl 5, version 42, subversion 0 (%s) built for x86_64-linux-gnu\n\n"+
		"Copyright 1987-2025, Larry Wall\n\n"+
		"Perl may be copied only under the terms of either the Artistic License or the\n"+
		"GNU General Public License, which may be found in the Perl 5 source kit.\n\n"+
		"Complete documentation for Perl, including FAQ lists, should be found on\n"+
		"this system using \"man perl\" or \"perldoc perl\".  If you have access to the\n"+
		"Internet, point your browser at https://www.perl.org/, the Perl Home Page.\n\n"+
		"(kubeplay's perl image runs print and say of bpi(N), numbers and strings.)\n\n", versionTag)
}

// debugger is perl -d with an empty standard input, as the image's default
// command (perl -de0) runs in a container: the banner, then the end.
func debugger(w io.Writer, src string) int {
	fprintf(w, "\nLoading DB routines from perl5db.pl version 1.80\nEditor support available.\n\n"+
		"Enter h or 'h h' for help, or 'man perldebug' for more help.\n\nmain::(-e:1):\t%s\n", strings.TrimSpace(src))
	fprintf(w, "  DB<1> \n")
	return 0
}
