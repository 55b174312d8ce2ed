package kubectl

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

func TestParsePortPairs(t *testing.T) {
	tests := []struct {
		arg        string
		local      uint16
		remote     string
		remotePort int32
		localGiven bool
		err        string
	}{
		{arg: "8080:80", local: 8080, remote: "80", remotePort: 80, localGiven: true},
		{arg: "80", local: 80, remote: "80", remotePort: 80, localGiven: true},
		{arg: ":80", local: 0, remote: "80", remotePort: 80, localGiven: true},
		{arg: "http", remote: "http"},
		{arg: "9000:http", local: 9000, remote: "http", localGiven: true},
		{arg: "x:80", err: "Error parsing local port 'x': invalid syntax"},
		{arg: "8080:70000", err: "Error parsing remote port '70000': port numbers must be between 1 and 65535"},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			got, err := parsePortPairs([]string{tt.arg})
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, &portPair{local: tt.local, remote: tt.remote, remotePort: tt.remotePort, localGiven: tt.localGiven}, got[0])
		})
	}
}

func TestTranslateServicePorts(t *testing.T) {
	svc := &api.Service{ObjectMeta: api.ObjectMeta{Name: "web"}, Spec: api.ServiceSpec{Ports: []api.ServicePort{
		{Name: "http", Port: 80, TargetPort: api.FromString("web")},
		{Name: "alt", Port: 8080, TargetPort: api.FromInt(9376)},
		{Name: "same", Port: 9000},
	}}}
	pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "web-1"}, Spec: api.PodSpec{Containers: []api.Container{{Ports: []api.ContainerPort{{Name: "web", ContainerPort: 8000}}}}}}
	pairs, err := parsePortPairs([]string{"80", "1234:8080", "alt", "9000"})
	require.NoError(t, err)
	require.NoError(t, translateServicePorts(svc, pairs))
	require.NoError(t, resolvePodPorts(pod, pairs))
	var got [][2]int
	for _, p := range pairs {
		got = append(got, [2]int{int(p.local), int(p.remotePort)})
	}
	assert.Equal(t, [][2]int{{80, 8000}, {1234, 9376}, {8080, 9376}, {9000, 9000}}, got)
	bad, _ := parsePortPairs([]string{"81"})
	assert.EqualError(t, translateServicePorts(svc, bad), "Service web does not have a service port 81")
	named, _ := parsePortPairs([]string{"metrics"})
	assert.EqualError(t, resolvePodPorts(pod, named), "Pod 'web-1' does not have a named port 'metrics'")
}
