package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/web/static"
)

// guard bounds every wait of these tests; it only turns a hang into a
// failure, nothing is timed.
const guard = 60 * time.Second

// servingPrefix starts the line that announces the address.
const servingPrefix = "kubeplay: serving http://"

// TestServeBinary builds the real command, serves a directory with it, fetches
// the page and stops it with SIGTERM, as a user or a script would.
func TestServeBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	if runtime.GOOS == "windows" {
		t.Skip("needs SIGTERM")
	}
	bin := buildServe(t)
	site := t.TempDir()
	const page = "<!doctype html><title>kubeplay</title>"
	require.NoError(t, os.WriteFile(filepath.Join(site, "index.html"), []byte(page), 0o644))

	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:0", "-dir", site)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	lines := readLines(stderr)

	addr := waitForAddress(t, lines)
	res, body := get(t, "http://"+addr+"/")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, page, body)
	assert.Equal(t, static.ContentSecurityPolicy, res.Header.Get("Content-Security-Policy"))

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	rest := drain(t, lines)
	require.NoError(t, cmd.Wait(), "exit status; stderr:\n%s", strings.Join(rest, "\n"))
	assert.Equal(t, 0, cmd.ProcessState.ExitCode())
	assert.Contains(t, rest, "kubeplay: shutting down")
	assert.True(t, hasLogLine(rest, "GET / 200 "+strconv.Itoa(len(page))), "request log in:\n%s", strings.Join(rest, "\n"))
}

// buildServe builds this command into a temporary directory. go test puts
// the go command of its own toolchain first on PATH.
func buildServe(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "serve")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build:\n%s", out)
	return bin
}

// readLines sends the lines of r on the returned channel, closing it at EOF,
// which for a command's stderr comes when the command exits.
func readLines(r io.Reader) <-chan string {
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return lines
}

// waitForAddress returns HOST:PORT from the line announcing it.
func waitForAddress(t *testing.T, lines <-chan string) string {
	t.Helper()
	timeout := time.After(guard)
	for {
		select {
		case line, ok := <-lines:
			require.True(t, ok, "the server exited before announcing its address")
			if addr, found := strings.CutPrefix(line, servingPrefix); found {
				return addr
			}
		case <-timeout:
			require.FailNow(t, "no address announced")
		}
	}
}

// drain returns the remaining lines, up to EOF.
func drain(t *testing.T, lines <-chan string) []string {
	t.Helper()
	var rest []string
	timeout := time.After(guard)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				return rest
			}
			rest = append(rest, line)
		case <-timeout:
			require.FailNow(t, "the server did not exit", "stderr so far:\n%s", strings.Join(rest, "\n"))
		}
	}
}

// get fetches url and returns the response with its body read.
func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	client := &http.Client{Timeout: guard}
	res, err := client.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(body)
}

// hasLogLine reports whether some line is a request-log line with these
// fields, which come after the timestamp and before the duration.
func hasLogLine(lines []string, fields string) bool {
	for _, line := range lines {
		if strings.Contains(line, " "+fields+" ") {
			return true
		}
	}
	return false
}

// TestRunInProcess runs the command without building it: -quiet, serving a
// directory, stopped by cancelling its context.
func TestRunInProcess(t *testing.T) {
	site := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(site, "index.html"), []byte("page"), 0o644))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-dir", site, "-quiet"}, strings.NewReader(""), pw)
		pw.Close()
	}()
	lines := readLines(pr)

	addr := waitForAddress(t, lines)
	res, body := get(t, "http://"+addr+"/")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "page", body)
	_, _ = get(t, "http://"+addr+"/missing")

	cancel()
	rest := drain(t, lines)
	assert.Equal(t, []string{"kubeplay: shutting down"}, rest, "-quiet logs no requests")
	require.NoError(t, <-done)
}

// TestStdinEndStops: with -stdin the server stops when its standard input
// ends, as it does when the parent holding the pipe exits; without -stdin
// an ended input (the usual /dev/null) changes nothing.
func TestStdinEndStops(t *testing.T) {
	site := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(site, "index.html"), []byte("page"), 0o644))
	for _, watch := range []bool{true, false} {
		t.Run(map[bool]string{true: "-stdin", false: "without"}[watch], func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			args := []string{"-addr", "127.0.0.1:0", "-dir", site, "-quiet"}
			if watch {
				args = append(args, "-stdin")
			}
			in, inw := io.Pipe()
			pr, pw := io.Pipe()
			done := make(chan error, 1)
			go func() {
				done <- run(ctx, args, in, pw)
				pw.Close()
			}()
			lines := readLines(pr)
			addr := waitForAddress(t, lines)
			require.NoError(t, inw.Close())
			if watch {
				assert.Equal(t, []string{"kubeplay: shutting down"}, drain(t, lines))
				require.NoError(t, <-done)
				return
			}
			res, body := get(t, "http://"+addr+"/")
			assert.Equal(t, http.StatusOK, res.StatusCode)
			assert.Equal(t, "page", body)
			select {
			case err := <-done:
				t.Fatalf("the server stopped at the end of its input: %v", err)
			default:
			}
			cancel()
			assert.Equal(t, []string{"kubeplay: shutting down"}, drain(t, lines))
			require.NoError(t, <-done)
		})
	}
}

func TestRunRefuses(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"unknown flag", []string{"-port", "1"}, "flag provided but not defined"},
		{"arguments", []string{"extra"}, "unexpected arguments"},
		{"missing directory", []string{"-dir", filepath.Join(file, "nope")}, "nope"},
		{"not a directory", []string{"-dir", file}, "is not a directory"},
		{"bad address", []string{"-addr", "127.0.0.1:notaport"}, "notaport"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			err := run(context.Background(), tt.args, strings.NewReader(""), &stderr)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}
