package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"mvdan.cc/sh/v3/expand"
)

// proc is everything an applet may use of "its process". Applets never read
// os.Args, os.Stdin, os.Environ or the process's working directory: the same
// applet runs as the program itself, as a command of sh (which has its own
// variables, directory and redirected streams, and runs pipeline stages
// concurrently in one process), and in tests.
type proc struct {
	ctx    context.Context
	args   []string // args[0] names the applet
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	env    []string // NAME=value, as os.Environ; see environ
	// shellEnv, when set, is the environment of the shell that runs the
	// applet, whose exported variables env is made of when first needed:
	// most commands never look at it, and listing it costs a shell's
	// command more than running a small applet.
	shellEnv expand.Environ
	dir      string // absolute working directory
	now      func() time.Time
	pid      int    // its process ID: the program is 1, sh's commands count up
	shell    string // the shell running it ("sh", "bash"), for messages
}

// applet is one command of the multi-call program.
type applet struct {
	main  func(p *proc) int
	usage string // shown by --help: the arguments, then a line on what it does
}

// applets is the dispatch table. It is filled by init rather than by a
// composite literal because sh refers back to it (to run commands), which
// would be an initialization cycle.
var applets map[string]applet

func init() {
	applets = map[string]applet{
		"[":        {testMain, "EXPRESSION ]\nCheck file types, compare values"},
		"awk":      {awkMain, "[OPTIONS] [AWK_PROGRAM] [FILE]...\n\t-v VAR=VAL\tSet variable\n\t-F SEP\t\tUse SEP as field separator\n\t-f FILE\t\tRead program from FILE\n\t-e AWK_PROGRAM"},
		"base64":   {base64Main, "[-d] [-w COL] [FILE]\nBase64 encode or decode FILE to standard output"},
		"basename": {basenameMain, "FILE [SUFFIX]\nStrip directory path and SUFFIX from FILE"},
		"cat":      {catMain, "[-n] [FILE]...\nPrint FILEs to stdout"},
		"chmod":    {chmodMain, "[-Rcvf] MODE[,MODE]... FILE...\nMODE is octal number (bit pattern sstrwxrwxrwx) or [ugoa]{+|-|=}[rwxXst]\n\n\t-R\tRecurse\n\t-c\tList changed files\n\t-v\tVerbose\n\t-f\tHide errors"},
		"cp":       {cpMain, "[-arPLHpfinlsTu] SOURCE DEST\nor: cp [-arPLHpfinlsu] SOURCE... { -t DIRECTORY | DIRECTORY }\nCopy SOURCEs to DEST\n\n\t-a\tSame as -dpR\n\t-R,-r\tRecurse\n\t-d,-P\tPreserve symlinks (default if -R)\n\t-L\tFollow all symlinks\n\t-H\tFollow symlinks on command line\n\t-p\tPreserve file attributes if possible\n\t-f\tOverwrite\n\t-i\tPrompt before overwrite\n\t-n\tDon't overwrite\n\t-l,-s\tCreate (sym)links\n\t-T\tRefuse to copy if DEST is a directory\n\t-t DIR\tCopy all SOURCEs into DIR\n\t-u\tCopy only newer files"},
		"cut":      {cutMain, "[-s] [-d SEP] -f LIST | -c LIST [FILE]...\nPrint selected fields from FILEs to stdout"},
		"date":     {dateMain, "[-uRI] [-d TIME] [+FMT]\nDisplay time"},
		"dd":       {ddMain, "[if=FILE] [of=FILE] [ibs=N obs=N/bs=N] [count=N] [skip=N] [seek=N]\n\t[conv=notrunc|noerror|sync|fsync] [status=noxfer|none]\nCopy a file with converting and formatting"},
		"dirname":  {dirnameMain, "FILENAME\nStrip non-directory suffix from FILENAME"},
		"du":       {duMain, "[-aHLdclsxhmk] [FILE]...\nSummarize disk space used for each FILE and/or directory"},
		"echo":     {echoMain, "[-neE] [ARG]...\nPrint the specified ARGs to stdout"},
		"env":      {envMain, "[-i] [-u NAME] [NAME=VALUE]... [PROG ARGS]\nPrint current environment or run PROG after setting up environment"},
		"expr":     {exprMain, "EXPRESSION\nPrint the value of EXPRESSION to stdout"},
		"false":    {falseMain, "\nReturn an exit code of FALSE (1)"},
		"find":     {findMain, "[-HL] [PATH]... [OPTIONS] [ACTIONS]\nSearch for files and perform actions on them.\nFirst failed action stops processing of current file.\nDefaults: PATH is current directory, action is '-print'\n\n\t-L,-follow\tFollow symlinks\n\t-H\t\t...on command line only\n\t-maxdepth N\tDescend at most N levels. -maxdepth 0 applies\n\t\t\tactions to command line arguments only\n\t-mindepth N\tDon't act on first N levels\n\nActions:\n\t( ACTIONS )\tGroup actions for -o / -a\n\t! ACT\t\tInvert ACT's success/failure\n\tACT1 [-a] ACT2\tIf ACT1 fails, stop, else do ACT2\n\tACT1 -o ACT2\tIf ACT1 succeeds, stop, else do ACT2\n\t-name PATTERN\tMatch file name (w/o directory name) to PATTERN\n\t-iname PATTERN\tCase insensitive -name\n\t-path PATTERN\tMatch path to PATTERN\n\t-ipath PATTERN\tCase insensitive -path\n\t-type X\t\tFile type is X (one of: f,d,l,b,c,s,p)\n\t-mtime DAYS\tmtime is greater than (+N), less than (-N),\n\t\t\tor exactly N days in the past\n\t-mmin MINS\tmtime is greater than (+N), less than (-N),\n\t\t\tor exactly N minutes in the past\n\t-newer FILE\tmtime is more recent than FILE's\n\t-size N[bck]\tFile size is N (c:bytes,k:kbytes,b:512 bytes(def.))\n\t\t\t+/-N: file size is bigger/smaller than N\n\t-perm MASK\tAt least one mask bit (+MASK), all bits (-MASK),\n\t\t\tor exactly MASK bits are set in file's mode\n\t-empty\t\tMatch empty file/directory\n\t-prune\t\tIf current file is directory, don't descend into it\nIf none of the following actions is specified, -print is assumed\n\t-print\t\tPrint file name\n\t-print0\t\tPrint file name, NUL terminated\n\t-exec CMD ARG ;\tRun CMD with all instances of {} replaced by\n\t\t\tfile name. Fails if CMD exits with nonzero\n\t-exec CMD ARG + Run CMD with {} replaced by list of file names\n\t-delete\t\tDelete current file/directory. Turns on -depth option\n\t-quit\t\tExit"},
		"free":     {freeMain, "[-bkmgh]\nDisplay free and used memory"},
		"grep":     {grepMain, "[-HhnlLoqvsrieFEcwx] [-m N] [-e PTRN]... [PTRN] [FILE]...\nSearch for PATTERN in FILEs (or stdin)"},
		"head":     {headMain, "[-n N] [FILE]...\nPrint first 10 lines of FILEs (or stdin) to stdout"},
		"hostname": {hostnameMain, "[-s]\nShow the host name"},
		"id":       {idMain, "[-ugGnr] [USER]\nPrint information about USER or the current user"},
		"kill":     {killMain, "[-l] [-SIG] PID...\nSend a signal (default: TERM) to given PIDs"},
		"ln":       {lnMain, "[-sfnbtv] [-S SUF] TARGET... LINK|DIR\nCreate a link LINK or DIR/TARGET to the specified TARGET(s)"},
		"ls":       {lsMain, "[-1aAlFd] [FILE]...\nList directory contents"},
		"md5sum":   {sumMain, "[-c[sw]] [FILE]...\nPrint or check MD5 checksums"},
		"mkdir":    {mkdirMain, "[-p] [-m MODE] DIRECTORY...\nCreate DIRECTORY"},
		"mv":       {mvMain, "[-finT] SOURCE DEST\nor: mv [-fin] SOURCE... { -t DIRECTORY | DIRECTORY }\nRename SOURCE to DEST, or move SOURCEs to DIRECTORY\n\n\t-f\tDon't prompt before overwriting\n\t-i\tInteractive, prompt before overwrite\n\t-n\tDon't overwrite an existing file\n\t-T\tRefuse to move if DEST is a directory\n\t-t DIR\tMove all SOURCEs into DIR"},
		"nc": {ncMain, "[OPTIONS] HOST PORT  - connect\nnc [OPTIONS] -l -p PORT [HOST] [PORT]  - listen\n" +
			"\t-e PROG\tRun PROG after connect (must be last)\n\t-l\tListen mode, for inbound connects\n\t-lk\tWith -e, provides persistent server\n" +
			"\t-p PORT\tLocal port\n\t-s ADDR\tLocal address\n\t-w SEC\tTimeout for connects and final net reads\n\t-i SEC\tDelay interval for lines sent\n" +
			"\t-n\tDon't do DNS resolution\n\t-u\tUDP mode\n\t-v\tVerbose\n\t-o FILE\tHex dump traffic\n\t-z\tZero-I/O mode (scanning)"},
		"nproc":     {nprocMain, "\nPrint number of available CPUs"},
		"nslookup":  {nslookupMain, "HOST [DNS_SERVER]\nQuery DNS about HOST"},
		"od":        {odMain, "[-bcdoxv] [-A RADIX] [-t TYPE] [FILE]...\nPrint FILEs (or stdin) unambiguously, as octal bytes by default"},
		"printenv":  {printenvMain, "[VARIABLE]...\nPrint environment VARIABLEs"},
		"printf":    {printfMain, "FORMAT [ARG]...\nFormat and print ARG(s) according to FORMAT"},
		"ps":        {psMain, "\nShow list of processes"},
		"pwd":       {pwdMain, "\nPrint the full filename of the current working directory"},
		"readlink":  {readlinkMain, "[-fnv] FILE\nDisplay the value of a symlink"},
		"realpath":  {realpathMain, "FILE...\nReturn the canonicalized absolute pathname"},
		"rev":       {revMain, "[FILE]...\nReverse lines of FILE"},
		"rm":        {rmMain, "[-irf] FILE...\nRemove (unlink) FILEs"},
		"rmdir":     {rmdirMain, "[-p] DIRECTORY...\nRemove DIRECTORY if it is empty\n\n\t-p\tInclude parents\n\t--ignore-fail-on-non-empty"},
		"sed":       {sedMain, "[-i[SFX]] [-nrE] [-f FILE]... [-e CMD]... [FILE]...\nor: sed [-i[SFX]] [-nrE] CMD [FILE]...\n\t-e CMD\tAdd CMD to sed commands to be executed\n\t-f FILE\tAdd FILE contents to sed commands to be executed\n\t-i[SFX]\tEdit files in-place (otherwise write to stdout)\n\t\tOptionally back files up, appending SFX\n\t-n\tSuppress automatic printing of pattern space\n\t-r,-E\tUse extended regex syntax\n\nIf no -e or -f, the first non-option argument is the sed command string.\nRemaining arguments are input files (stdin if none)."},
		"seq":       {seqMain, "[-w] [-s SEP] [FIRST [INC]] LAST\nPrint numbers from FIRST to LAST, in steps of INC"},
		"sh":        {shMain, "[-eux] [-c 'SCRIPT' [ARG0 ARGS] | FILE ARGS | -s ARGS]\nUnix shell interpreter"},
		"sha1sum":   {sumMain, "[-c[sw]] [FILE]...\nPrint or check SHA1 checksums"},
		"sha256sum": {sumMain, "[-c[sw]] [FILE]...\nPrint or check SHA256 checksums"},
		"sha512sum": {sumMain, "[-c[sw]] [FILE]...\nPrint or check SHA512 checksums"},
		"sleep":     {sleepMain, "[N]...\nPause for a time equal to the total of the args given (N[smhd] or infinity)"},
		"sort":      {sortMain, "[-nru] [FILE]...\nSort lines of text"},
		"stat":      {statMain, "[-ltf] [-c FMT] FILE...\nDisplay file (default) or filesystem status\n\n\t-c FMT\tUse the specified format\n\t-L\tFollow links\n\t-t\tTerse display"},
		"tail":      {tailMain, "[-n N] [FILE]...\nPrint last 10 lines of FILEs (or stdin) to stdout"},
		"tar":       {tarMain, tarUsage},
		"tee":       {teeMain, "[-ai] [FILE]...\nCopy stdin to each FILE, and also to stdout"},
		"test":      {testMain, "EXPRESSION\nCheck file types, compare values"},
		"timeout":   {timeoutMain, "[-s SIG] [-k KILL_SECS] SECS PROG ARGS\nRun PROG. Send SIG to it if it is not gone in SECS seconds.\nDefault SIG: TERM.If it still exists in KILL_SECS seconds, send KILL.\n"},
		"touch":     {touchMain, "[-c] FILE...\nUpdate the last-modified date on FILEs"},
		"tr":        {trMain, "[-cds] STRING1 [STRING2]\nTranslate, squeeze, or delete characters from stdin"},
		"true":      {trueMain, "\nReturn an exit code of TRUE (0)"},
		"uname":     {unameMain, "[-amnrspvio]\nPrint system information"},
		"uniq":      {uniqMain, "[-cdu] [INPUT [OUTPUT]]\nDiscard duplicate lines"},
		"watch":     {watchMain, "[-n SEC] [-t] PROG ARGS\nRun PROG periodically"},
		"wc":        {wcMain, "[-lwc] [FILE]...\nCount lines, words and bytes for FILEs (or stdin)"},
		"wget":      {wgetMain, "[-cqS] [--spider] [-O FILE] [--header STR] [-P DIR] [-U AGENT] URL...\nRetrieve files via HTTP"},
		"whoami":    {whoamiMain, "\nPrint the user name"},
		"xargs":     {xargsMain, "[OPTIONS] [PROG ARGS]\nRun PROG on every item given by stdin\n\n\t-0\tNUL terminated input\n\t-a FILE\tRead from FILE instead of stdin\n\t-r\tDon't run command if input is empty\n\t-t\tPrint the command on stderr before execution\n\t-I STR\tReplace STR within PROG ARGS with input line\n\t-n N\tPass no more than N args to PROG\n\t-s N\tPass command line of no more than N bytes\n\t-x\tExit if size is exceeded"},
		"yes":       {yesMain, "[STRING]\nRepeatedly output a line with STRING, or 'y'"},
	}
}

// dispatch runs the applet argv[0] names, or the busybox front end. A path
// in argv[0] counts by its last element, as BusyBox's /bin symlinks do.
func dispatch(p *proc) int {
	if len(p.args) == 0 { // a host may start WASI modules with no argv
		p.args = []string{"busybox"}
	}
	name := path.Base(p.args[0])
	if name == "busybox" {
		return busyboxMain(p)
	}
	a, ok := lookupApplet(name)
	if !ok && strings.Contains(p.args[0], "/") {
		// a script given by its path (a mounted file): run it as the
		// shell runs a command that is no applet
		return p.runCommand()
	}
	if !ok {
		fmt.Fprintf(p.stderr, "%s: applet not found\n", name)
		return 127
	}
	if len(p.args) == 2 && p.args[1] == "--help" && name != "echo" && name != "printf" {
		p.printUsage(p.stdout, name)
		return 0
	}
	return a.main(p)
}

// bashImage tells whether this module runs as the bash image, which has
// bash besides BusyBox's applets. The image's environment says so, as the
// docker.io/library/bash image's does: it sets _BASH_VERSION. It is read
// once, from the program's own environment, so that `env -i bash` works.
var bashImage = os.Getenv("_BASH_VERSION") != ""

// withBash tells whether bash is on the PATH: in the bash image, and in
// the Debian-based images whose shell and utilities this module provides
// (the runtime starts it as `busybox --with-bash COMMAND...` there).
var withBash = bashImage

// lookupApplet finds an applet: BusyBox's, or bash and the image's
// entrypoint in the bash image.
func lookupApplet(name string) (applet, bool) {
	switch {
	case name == "bash" && withBash:
		return applet{bashMain, "[-ceux] [-o OPT] [-c 'SCRIPT' [ARG0 ARGS] | FILE ARGS]\nGNU bash, the Bourne-again shell"}, true
	case name == "docker-entrypoint.sh" && bashImage:
		return applet{entrypointMain, "[ARGS]\nThe bash image's entrypoint: bash ARGS if they start with an option, else ARGS"}, true
	}
	a, ok := applets[name]
	return a, ok
}

// busyboxMain is `busybox [--list | --help [APPLET] | APPLET ARGS...]`.
func busyboxMain(p *proc) int {
	args := p.args[1:]
	switch {
	case len(args) == 0 || (args[0] == "--help" && len(args) == 1):
		fmt.Fprintln(p.stdout, "BusyBox for kubeplay: a multi-call WASI program.")
		fmt.Fprintln(p.stdout, "\nUsage: busybox [function [arguments]...]\n   or: function [arguments]...")
		fmt.Fprintln(p.stdout, "\nCurrently defined functions:")
		fmt.Fprintf(p.stdout, "\t%s\n", strings.Join(appletNames(), ", "))
		return 0
	case args[0] == "--with-bash" && len(args) > 1:
		debianBash()
		sub := *p
		sub.args = args[1:]
		return dispatch(&sub)
	case args[0] == "--list":
		for _, name := range appletNames() {
			fmt.Fprintln(p.stdout, name)
		}
		return 0
	case args[0] == "--help":
		if _, ok := lookupApplet(args[1]); !ok {
			fmt.Fprintf(p.stderr, "%s: applet not found\n", args[1])
			return 127
		}
		p.printUsage(p.stdout, args[1])
		return 0
	}
	sub := *p
	sub.args = args
	return dispatch(&sub)
}

// appletNames lists the applets in order.
func appletNames() []string {
	names := make([]string, 0, len(applets))
	for name := range applets {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// printUsage shows an applet's usage in BusyBox's layout. The usage's
// first line is the arguments; lines starting with "or: " or "\t[" go on
// the usage too; the rest says what the applet does.
func (p *proc) printUsage(w io.Writer, name string) {
	a, _ := lookupApplet(name)
	lines := strings.Split(a.usage, "\n")
	n := 1
	for n < len(lines) && (strings.HasPrefix(lines[n], "or: ") || strings.HasPrefix(lines[n], "\t[") || strings.HasPrefix(lines[n], name+" ")) {
		n++
	}
	fmt.Fprintf(w, "Usage: %s %s\n\n%s\n", name, strings.Join(lines[:n], "\n"), strings.Join(lines[n:], "\n"))
}

// printf writes to the applet's standard output.
func (p *proc) printf(format string, args ...any) { fmt.Fprintf(p.stdout, format, args...) }

// name is the applet's name, for messages.
func (p *proc) name() string { return path.Base(p.args[0]) }

// errorf reports an error BusyBox style: "applet: message".
func (p *proc) errorf(format string, args ...any) {
	fmt.Fprintf(p.stderr, "%s: %s\n", p.name(), fmt.Sprintf(format, args...))
}

// showUsage prints the usage alone, as BusyBox does for missing operands,
// and returns its status for it.
func (p *proc) showUsage() int {
	p.printUsage(p.stderr, p.name())
	return 1
}

// usageError reports a bad invocation and returns BusyBox's status for it.
func (p *proc) usageError(format string, args ...any) int {
	p.errorf(format, args...)
	p.printUsage(p.stderr, p.name())
	return 1
}

// environ is the applet's environment, NAME=value, as os.Environ.
func (p *proc) environ() []string {
	if p.shellEnv != nil {
		p.env, p.shellEnv = exportedEnv(p.shellEnv), nil
	}
	return p.env
}

// getenv looks a variable up in the applet's environment.
func (p *proc) getenv(name string) (string, bool) {
	if p.shellEnv != nil {
		if vr := p.shellEnv.Get(name); vr.Exported && vr.IsSet() {
			return vr.String(), true
		}
		return "", false
	}
	for i := len(p.env) - 1; i >= 0; i-- { // the last definition wins
		if k, v, ok := strings.Cut(p.env[i], "="); ok && k == name {
			return v, true
		}
	}
	return "", false
}

// path resolves a file name against the applet's working directory, which
// is sh's and not the process's.
func (p *proc) path(name string) string {
	if filepath.IsAbs(name) || p.dir == "" {
		return name
	}
	return filepath.Join(p.dir, name)
}

// sleep waits for d or until the applet's context ends, reporting whether
// the whole time passed. Timers are the Go runtime's, which on wasip1 end in
// poll_oneoff clock subscriptions: the host's (virtual) clock decides.
func (p *proc) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-p.ctx.Done():
		return false
	}
}

// stdinOrEmpty is the applet's standard input, never nil.
func (p *proc) stdinOrEmpty() io.Reader {
	if p.stdin == nil {
		return strings.NewReader("")
	}
	return p.stdin
}
