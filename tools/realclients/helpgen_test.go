package realclients

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"
)

// The in-page kubectl's help texts are what this module's kubectl prints
// (helpgen's check regenerates them and compares).
func TestHelpTextsUpToDate(t *testing.T) {
	cmd := exec.Command("go", "run", "./helpgen", "-out", repoRoot+"/engine/kubectl", "-check")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
}
