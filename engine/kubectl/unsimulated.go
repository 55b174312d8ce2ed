package kubectl

import (
	"context"
	"errors"
	"fmt"
)

// unsimulated are kubectl 1.37's commands that the playground does not
// simulate, and why in a few words. They answer so, with exit code 1,
// rather than kubectl's "unknown command", which would be false.
var unsimulated = map[string]string{
	"alpha":       "it holds kubectl's experimental commands, none of which the playground has",
	"certificate": "the playground's API server has no CertificateSigningRequest API to approve or deny",
	"completion":  "it prints a completion script for your own shell; this terminal completes kubectl commands itself (press Tab)",
	"kustomize":   "kustomize's build is not part of the playground (nor is apply -k); apply the manifests with -f",
	"plugin":      "kubectl plugins are programs on your machine's PATH, which the playground's shell cannot run",
	"proxy":       "it serves the API server on a local port for other programs, and the page has no HTTP API; natively, `kubeplay apiserver` serves one",
}

// notSimulated is the run of a command in unsimulated.
func notSimulated(name string) func(*Kubectl, context.Context, IO, []string) error {
	return func(_ *Kubectl, _ context.Context, _ IO, args []string) error {
		if name == "plugin" && len(args) > 0 && args[0] == "list" {
			// True of the playground: there is no PATH with plugins.
			return errors.New("unable to find any kubectl plugins in your PATH")
		}
		return fmt.Errorf("\"kubectl %s\" is not simulated in this playground: %s", name, unsimulated[name])
	}
}
