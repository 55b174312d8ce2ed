// Command kubectl is the real kubectl, k8s.io/kubectl's command as
// k8s.io/kubernetes/cmd/kubectl builds it, for running against
// `kubeplay apiserver` in tests.
package main

import (
	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"
)

func main() {
	command := cmd.NewDefaultKubectlCommand()
	if err := cli.RunNoErrOutput(command); err != nil {
		util.CheckErr(err)
	}
}
