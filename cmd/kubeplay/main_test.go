package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// The commands of the walking skeleton, as a script on standard input.
const script = `kubectl get nodes
kubectl run hello --image=busybox --restart=Never -- echo hello
sleep 5
kubectl get pods
kubectl logs hello
kubectl get pods -n kube-system
`

func checkOutput(t *testing.T, out string) {
	t.Helper()
	assert.Regexp(t, `(?m)^NAME +STATUS +ROLES +AGE +VERSION\ncontrolplane +Ready +control-plane +0s +v1\.37\.2\nnode01 +Ready +<none> +0s +v1\.37\.2\nnode02 +Ready +<none> +0s +v1\.37\.2\n`, out)
	assert.Contains(t, out, "pod/hello created\n")
	assert.Regexp(t, `(?m)^hello +0/1 +Completed +0 +5s\nhello\n`, out)
	for _, p := range []string{"coredns-", "etcd-controlplane", "kube-apiserver-controlplane", "kube-controller-manager-controlplane", "kube-proxy-", "kube-scheduler-controlplane"} {
		assert.Regexp(t, `(?m)^`+regexp.QuoteMeta(p)+`\S* +1/1 +Running +0 +\d+s$`, out)
	}
}

func useTestModules(t *testing.T) {
	mods := wasmtest.Modules(t)
	modules = func() fs.FS { return mods }
	missingModules = func() []string { return nil }
	t.Cleanup(func() {
		modules, missingModules = nil, nil
	})
}

func TestShell(t *testing.T) {
	useTestModules(t)
	var stdout, stderr bytes.Buffer
	code := run([]string{"shell"}, strings.NewReader(script), &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	assert.Empty(t, stderr.String())
	checkOutput(t, stdout.String())
}

func TestShellExitStatus(t *testing.T) {
	useTestModules(t)
	tests := []struct {
		name, input string
		code        int
		stderr      string
	}{
		{"last command fails", "kubectl get pods\nkubectl get pod nope\n", 1, "No resources found in default namespace.\n" + `Error from server (NotFound): pods "nope" not found` + "\n"},
		{"last command succeeds", "kubectl get pod nope\ntrue\n", 0, `Error from server (NotFound): pods "nope" not found` + "\n"},
		{"exit", "exit 3\necho unreachable\n", 3, ""},
		{"unfinished", "echo 'open\n", 2, "kubeplay: syntax error: unexpected end of file\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			assert.Equal(t, tt.code, run([]string{"shell", "--workers", "1"}, strings.NewReader(tt.input), &stdout, &stderr))
			assert.Equal(t, tt.stderr, stderr.String())
			assert.NotContains(t, stdout.String(), "unreachable")
		})
	}
}

func TestFlags(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 2, run([]string{"shell", "--workers", "-1"}, strings.NewReader(""), &stdout, &stderr))
	assert.Equal(t, 2, run([]string{"shell", "extra"}, strings.NewReader(""), &stdout, &stderr))
	assert.Equal(t, 2, run([]string{"bogus"}, strings.NewReader(""), &stdout, &stderr))
	assert.Equal(t, 0, run([]string{"help"}, strings.NewReader(""), &stdout, &stderr))
	assert.Contains(t, stdout.String(), "kubeplay shell")
}

func TestShape(t *testing.T) {
	useTestModules(t)
	var stdout, stderr bytes.Buffer
	code := run([]string{"shell", "--workers", "3", "--zones", "east,west", "--node-cpu", "4", "--node-memory", "8Gi"}, strings.NewReader("kubeplay node list\n"), &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	assert.Equal(t, `NAME           STATE     ZONE   TYPE            CPU   MEMORY   INTERNAL-IP
controlplane   running   east   custom-4-8192   4     8Gi      172.18.0.2
node01         running   east   custom-4-8192   4     8Gi      172.18.0.3
node02         running   west   custom-4-8192   4     8Gi      172.18.0.4
node03         running   east   custom-4-8192   4     8Gi      172.18.0.5
`, stdout.String())

	stdout.Reset()
	stderr.Reset()
	assert.Equal(t, 1, run([]string{"shell", "--node-memory", "lots"}, strings.NewReader(""), &stdout, &stderr))
	assert.Contains(t, stderr.String(), `kubeplay: cluster: invalid memory "lots": quantities must match`)
}

func TestApplyReadsHostFiles(t *testing.T) {
	useTestModules(t)
	dir := t.TempDir()
	manifest := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: fromfile\nspec:\n  containers:\n  - name: c\n    image: busybox\n    args: [echo, from a file]\n  restartPolicy: Never\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pod.yaml"), []byte(manifest), 0o644))
	t.Chdir(dir)
	var stdout, stderr bytes.Buffer
	code := run([]string{"shell"}, strings.NewReader("kubectl apply -f pod.yaml\nsleep 5\nkubectl logs fromfile\n"), &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	assert.Equal(t, "pod/fromfile created\nfrom a file\n", stdout.String())
}

// TestBinary runs the built bin/kubeplay from another directory: the
// images are embedded, so it runs from anywhere.
func TestBinary(t *testing.T) {
	bin, err := filepath.Abs("../../bin/kubeplay")
	require.NoError(t, err)
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("KUBEPLAY_E2E") == "1" {
			t.Fatal("bin/kubeplay is not built")
		}
		t.Skip("bin/kubeplay is not built (make build)")
	}
	cmd := exec.Command(bin, "shell")
	cmd.Dir = t.TempDir()
	cmd.Stdin = strings.NewReader(script)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), stderr.String())
	checkOutput(t, stdout.String())

	nodes := exec.Command(bin, "shell")
	nodes.Stdin = strings.NewReader("kubectl get nodes\n")
	out, err := nodes.Output()
	require.NoError(t, err)
	assert.Regexp(t, `^NAME +STATUS +ROLES +AGE +VERSION\ncontrolplane +Ready +control-plane +0s +v1\.37\.2\nnode01 .*\nnode02 .*\n$`, string(out))
}
