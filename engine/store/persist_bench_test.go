package store

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/hack-pad/hackpadfs"
	"github.com/hack-pad/hackpadfs/mem"

	"github.com/kubeplay/kubeplay/engine/api"
)

// benchPod is a pause pod of a Deployment as it runs on a fake node,
// about 2 KB of JSON.
const benchPod = `{"kind":"Pod","apiVersion":"v1","metadata":{"name":"many-7d9c5b8f4-x2x8k","generateName":"many-7d9c5b8f4-","namespace":"default","uid":"3f0d9a61-5a0e-4f4c-9b0a-6c2d1e9f8a71","creationTimestamp":"2026-01-01T00:00:01Z","labels":{"app":"many","pod-template-hash":"7d9c5b8f4"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"many-7d9c5b8f4","uid":"b1c2d3e4-0000-4000-8000-000000000001","controller":true,"blockOwnerDeletion":true}],"managedFields":[{"manager":"kube-controller-manager","operation":"Update","apiVersion":"v1","time":"2026-01-01T00:00:01Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:generateName":{},"f:labels":{".":{},"f:app":{},"f:pod-template-hash":{}},"f:ownerReferences":{".":{},"k:{\"uid\":\"b1c2d3e4-0000-4000-8000-000000000001\"}":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"pause\"}":{".":{},"f:image":{},"f:imagePullPolicy":{},"f:name":{}}}}}},{"manager":"kubelet","operation":"Update","apiVersion":"v1","time":"2026-01-01T00:00:02Z","fieldsType":"FieldsV1","fieldsV1":{"f:status":{"f:conditions":{},"f:containerStatuses":{},"f:phase":{},"f:podIP":{},"f:startTime":{}}},"subresource":"status"}]},"spec":{"containers":[{"name":"pause","image":"registry.k8s.io/pause","resources":{},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"Always"}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default","nodeName":"kwok-node-42","securityContext":{},"schedulerName":"default-scheduler","tolerations":[{"key":"kwok.x-k8s.io/node","operator":"Exists","effect":"NoSchedule"},{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],"priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"},"status":{"phase":"Running","conditions":[{"type":"Initialized","status":"True","lastProbeTime":null,"lastTransitionTime":"2026-01-01T00:00:01Z"},{"type":"Ready","status":"True","lastProbeTime":null,"lastTransitionTime":"2026-01-01T00:00:02Z"},{"type":"PodScheduled","status":"True","lastProbeTime":null,"lastTransitionTime":"2026-01-01T00:00:01Z"}],"hostIP":"10.0.0.42","podIP":"10.244.42.7","podIPs":[{"ip":"10.244.42.7"}],"startTime":"2026-01-01T00:00:01Z","containerStatuses":[{"name":"pause","state":{"running":{"startedAt":"2026-01-01T00:00:02Z"}},"lastState":{},"ready":true,"restartCount":0,"image":"registry.k8s.io/pause:latest","imageID":"registry.k8s.io/pause@sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097","containerID":"containerd://4a5b6c","started":true}],"qosClass":"BestEffort"}}`

// BenchmarkReopen opens a store of 10,000 pods kept as a snapshot of
// them and a log of three more changes to each since (flushed every
// 1,000 changes), as a reload does.
func BenchmarkReopen(b *testing.B) {
	var proto api.Pod
	if err := json.Unmarshal([]byte(benchPod), &proto); err != nil {
		b.Fatal(err)
	}
	fsys, err := mem.NewFS()
	if err != nil {
		b.Fatal(err)
	}
	keepPods(b, fsys, &proto, 10000, 3)
	b.ResetTimer()
	for b.Loop() {
		s, _, rep, err := Open(fsys, "cluster", func() time.Time { return epoch })
		if err != nil || len(rep.Dropped) > 0 {
			b.Fatal(err, rep.Dropped)
		}
		if n := s.Count("/registry/pods/"); n != 10000 {
			b.Fatalf("%d pods", n)
		}
	}
}

// keepPods keeps n pods in fsys's cluster/: created, snapshotted, then
// changed `changes` times each.
func keepPods(b *testing.B, fsys hackpadfs.FS, proto *api.Pod, n, changes int) {
	s, p, _, err := Open(fsys, "cluster", func() time.Time { return epoch })
	if err != nil {
		b.Fatal(err)
	}
	for c := 0; c <= changes; c++ {
		for i := range n {
			pod := *proto
			pod.Name = fmt.Sprintf("many-%05d", i)
			pod.Labels = map[string]string{"app": "many", "change": fmt.Sprint(c)}
			key := "/registry/pods/default/" + pod.Name
			if c == 0 {
				_, err = s.Create(key, &pod)
			} else {
				_, err = s.Update(key, &pod, 0)
			}
			if err != nil {
				b.Fatal(err)
			}
			if i%1000 == 999 {
				if err := p.Flush(); err != nil {
					b.Fatal(err)
				}
			}
		}
		if c == 0 {
			if err := p.Snapshot(); err != nil {
				b.Fatal(err)
			}
		}
	}
	p.work = nil // a snapshot the log's growth began, not finished: as a reload may find it
}
