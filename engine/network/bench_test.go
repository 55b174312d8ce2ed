package network

import (
	"fmt"
	goruntime "runtime"
	"strings"
	"testing"
	"time"
)

// BenchmarkRequestsThroughService is requests per second of wall time
// from a busybox container's wget loop to nginx through a Service's
// address (kube-proxy's translation), each request a new connection, as
// the target measures it. The client's start (its image's pull
// and compile, the container's start, a first request) is not timed:
// the client says it is ready and sleeps a second, and the timer and the
// counts start there, after a garbage collection.
func BenchmarkRequestsThroughService(b *testing.B) {
	for _, server := range []struct{ image, port string }{{"nginx", "80"}, {"hashicorp/http-echo", "5678"}} {
		b.Run(strings.ReplaceAll(server.image, "/", "_"), func(b *testing.B) {
			g := newGuests(b)
			g.net.SetRouter(fixedRouter{ap("10.96.0.20:80"): {Matched: true, To: ap("10.244.1.3:" + server.port)}})
			args := []string{}
			if server.image == "hashicorp/http-echo" {
				args = []string{"-text=hello"}
			}
			srt, sid := g.run(b, "node01", "10.244.1.3", server.image, args...)
			g.loop.AdvanceBy(5 * time.Second)
			script := fmt.Sprintf("wget -qO- http://10.96.0.20/ >/dev/null; echo ready; sleep 1; i=0; while [ $i -lt %d ]; do wget -qO- http://10.96.0.20/ >/dev/null || echo failed; i=$((i+1)); done; echo done", b.N)
			rt, id := g.run(b, "node02", "10.244.2.2", "busybox", "sh", "-c", script)
			for !strings.Contains(logText(b, rt, id), "ready") {
				g.loop.AdvanceBy(10 * time.Millisecond)
			}
			c0, _ := rt.ContainerStats(id)
			s0, _ := srt.ContainerStats(sid)
			// The modules' compile left garbage: not the requests' to collect.
			goruntime.GC()
			b.ResetTimer()
			start, virtualStart := time.Now(), g.loop.Now()
			for !strings.Contains(logText(b, rt, id), "done") {
				g.loop.AdvanceBy(time.Second)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			if strings.Contains(logText(b, rt, id), "failed") {
				b.Fatal(logText(b, rt, id))
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
			b.ReportMetric(float64(b.N)/g.loop.Now().Sub(virtualStart).Seconds(), "virtual-req/s")
			c, _ := rt.ContainerStats(id)
			s, _ := srt.ContainerStats(sid)
			b.ReportMetric(float64(c.Instructions-c0.Instructions)/float64(b.N), "client-instr/req")
			b.ReportMetric(float64(s.Instructions-s0.Instructions)/float64(b.N), "server-instr/req")
		})
	}
}
