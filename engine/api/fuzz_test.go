package api

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// maxManifest bounds a fuzzed manifest as the page bounds a file it reads.
const maxManifest = 64 << 10

// FuzzDecode: any YAML or JSON stream splits into documents or gives an
// error; a document of a known kind decodes strictly or gives an error;
// what decodes encodes, and decodes and encodes again to the same bytes. Seeds are the
// manifests in testdata/manifests and edge cases (List, empty documents,
// duplicate and unknown fields, numbers where strings go).
func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob("testdata/manifests/*.yaml")
	require.NoError(f, err)
	for _, name := range files {
		data, err := os.ReadFile(name)
		require.NoError(f, err)
		f.Add(data)
	}
	for _, s := range []string{
		"",
		"---\n---\n",
		"apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n  data: {k: v}\n",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","name":"q"}}`,
		"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: nginx, resources: {limits: {cpu: 1.5, memory: 1.5Gi}}}], bogus: 1}\n",
		"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {strategy: {rollingUpdate: {maxSurge: 25%, maxUnavailable: 0}}, replicas: 1e3}\n",
		"apiVersion: v1\nkind: Service\nspec: {ports: [{port: 80, targetPort: http}]}\n",
		"apiVersion: v1\nkind: Pod\nmetadata: &a {name: x, labels: *a}\n",
		"kind: Pod\n",
		"apiVersion: v1\nkind: Pod\nspec: {containers: [{resources: {requests: {cpu: 9999999999999999999999Ei}}}]}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxManifest {
			return
		}
		docs, err := SplitYAML(data)
		if err != nil {
			return
		}
		for _, d := range docs {
			tm, err := TypeOf(d.JSON)
			if err != nil {
				continue
			}
			r, err := LookupKind(tm.APIVersion, tm.Kind)
			if err != nil {
				continue
			}
			obj, err := DecodeInto(r, d.JSON)
			if err != nil {
				continue
			}
			enc, err := Encode(obj)
			require.NoError(t, err)
			want, err := json.Marshal(obj)
			require.NoError(t, err)
			got, err := Marshal(obj)
			require.NoError(t, err)
			require.Equal(t, string(want), string(got), "Marshal as json.Marshal")
			again, err := DecodeInto(r, enc)
			require.NoError(t, err, "%s", enc)
			// The encoding is a fixed point. The objects themselves may
			// differ where Kubernetes' do: a null quantity decodes to
			// the zero Quantity, which encodes as "0", which decodes
			// to a DecimalSI 0 (testdata/fuzz/FuzzDecode/ad810abf2f8d2807).
			enc2, err := Encode(again)
			require.NoError(t, err)
			require.Equal(t, string(enc), string(enc2))
		}
	})
}

// FuzzParseQuantity: any text parses or gives an error; a quantity prints
// in a form that parses to the same value and prints the same again.
func FuzzParseQuantity(f *testing.F) {
	for _, s := range []string{
		"0", "1", "-1", "+1", "100m", "0.5", "1.5Gi", "128Mi", "1Ki", "2e3", "1E", "1Ei", "8Ei", "9Ei",
		"1n", "1u", "0.1n", "0.0000000001", ".5", "5.", "1e-9", "1e-10", "1e18", "1e19", "1e308",
		"9223372036854775807", "9223372036854775808", "-9223372036854775808", "999999999999999999999P",
		"1.000000000000000000001", "", ".", "-", "1.2.3", "1e", "1ee3", "1Kb", "1KiB", " 1", "1 ", "0x10",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQuantity(s)
		if err != nil {
			return
		}
		out := q.String()
		require.Equal(t, q.bigString(), out, "without math/big, as with it")
		again, err := ParseQuantity(out)
		require.NoError(t, err, "%q printed as %q", s, out)
		require.Zero(t, q.Cmp(again), "%q printed as %q", s, out)
		require.Equal(t, out, again.String(), "%q printed as %q", s, out)
		b, err := json.Marshal(q)
		require.NoError(t, err)
		var fromJSON Quantity
		require.NoError(t, json.Unmarshal(b, &fromJSON))
		require.Zero(t, q.Cmp(fromJSON))
		_, _ = q.Value(), q.MilliValue()
		_ = q.Add(again).Sub(q)
	})
}

// FuzzIntOrString: any JSON decodes as an int or a string or gives an
// error, re-encodes to the same value, and resolves against a total or
// gives an error.
func FuzzIntOrString(f *testing.F) {
	for _, s := range []string{`1`, `"1"`, `"25%"`, `"-25%"`, `"200%"`, `"%"`, `"http"`, `2147483648`, `1.5`, `null`, `""`, `"99999999999999999999%"`, `[1]`} {
		f.Add(s, 10, true)
	}
	f.Fuzz(func(t *testing.T, s string, total int, roundUp bool) {
		var v IntOrString
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return
		}
		b, err := json.Marshal(v)
		require.NoError(t, err)
		var again IntOrString
		require.NoError(t, json.Unmarshal(b, &again))
		require.Equal(t, v, again)
		_, _ = v.ScaledValue(total, roundUp)
	})
}

// FuzzParseSelector: any label selector parses or gives an error; a parsed
// selector prints as text that parses to a selector printing the same and
// matching the same labels.
func FuzzParseSelector(f *testing.F) {
	for _, s := range []string{
		"", "app=web", "app==web", "app!=web", "app", "!app", "app in (a,b)", "app notin (a, b)", "tier in ()",
		"app=web,tier!=db,env in (prod,qa),!canary", "example.com/app=x", "a=b=c", "a in (b", "in in (in)",
		"a>1", "a<2", "a=", ",", "a,,b", " app = web ", "app in (a b)", "a=-", "x/y/z=1", "!",
	} {
		f.Add(s, "app", "web")
	}
	f.Fuzz(func(t *testing.T, s, k, v string) {
		sel, err := ParseSelector(s)
		if err != nil {
			return
		}
		out := sel.String()
		again, err := ParseSelector(out)
		require.NoError(t, err, "%q printed as %q", s, out)
		require.Equal(t, out, again.String())
		labels := map[string]string{k: v}
		require.Equal(t, sel.Matches(labels), again.Matches(labels))
	})
}
