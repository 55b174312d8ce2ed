package kubectl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/network"
)

// HostNetwork is what a host gives kubectl to listen on the host
// machine's ports: the cluster's network, whose Host namespace is the
// machine kubectl runs on.
type HostNetwork interface {
	Network() *network.Network
}

// Detach is how a command started in the background (`cmd &`) keeps
// running after it returns: it hands over stop, which ends it, and gets
// ended, to call with its exit status if it ends by itself.
type Detach func(stop func()) (ended func(code int))

type detachKey struct{}

// WithDetach marks ctx as a background job's: a command that runs until
// interrupted (port-forward) returns once it is set up and goes on.
func WithDetach(ctx context.Context, d Detach) context.Context {
	return context.WithValue(ctx, detachKey{}, d)
}

func detachOf(ctx context.Context) Detach {
	d, _ := ctx.Value(detachKey{}).(Detach)
	return d
}

// portPair is one [LOCAL_PORT:]REMOTE_PORT argument; remote may be a
// port's name until it is resolved against the pod.
type portPair struct {
	local      uint16
	remote     string
	remotePort int32
	localGiven bool // else the local port is the remote's number
}

// portForward is `kubectl port-forward TYPE/NAME [options] [LOCAL_PORT:]REMOTE_PORT [...]`.
func (k *Kubectl) portForward(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet("port-forward")
	nsFlag := k.commonFlags(fs)
	addresses := fs.String("address", "", "localhost")
	timeout := fs.Duration("pod-running-timeout", time.Minute)
	pos, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		return fs.errorf("TYPE/NAME and list of ports are required for port-forward")
	}
	pairs, err := parsePortPairs(pos[1:])
	if err != nil {
		return err
	}
	listen, err := listenAddresses(*addresses)
	if err != nil {
		return err
	}
	hn, ok := k.host.(HostNetwork)
	if !ok || hn.Network() == nil {
		return errors.New("kubeplay: port-forward needs the host machine's network, which this kubectl has not")
	}
	ns := k.ns(nsFlag)
	obj, err := k.getPodOrTyped(ns, pos[0])
	if err != nil {
		return err
	}
	if err := translateServicePorts(obj, pairs); err != nil {
		return err
	}
	pod, err := k.attachablePod(ctx, ns, pos[0], *timeout)
	if err != nil {
		return err
	}
	if pod.Status.Phase != api.PodRunning {
		return fmt.Errorf("unable to forward port because pod is not running. Current status=%s", pod.Status.Phase)
	}
	if err := resolvePodPorts(pod, pairs); err != nil {
		return err
	}
	f := &forwarder{k: k, net: hn.Network(), ns: pod.Namespace, pod: pod.Name, out: io.Out, errOut: io.Err}
	if err := f.listen(pairs, listen); err != nil {
		return err
	}
	if d := detachOf(ctx); d != nil {
		f.ended = d(f.stop)
		return nil
	}
	err = k.host.Wait(ctx, forever, func() bool { return f.lost })
	f.stop()
	if f.lost {
		return errors.New("lost connection to pod")
	}
	return err
}

func parsePortPairs(args []string) ([]*portPair, error) {
	var out []*portPair
	for _, a := range args {
		local, remote, hasLocal := strings.Cut(a, ":")
		if !hasLocal {
			local, remote = "", a
		}
		p := &portPair{remote: remote, localGiven: true}
		if n, err := strconv.Atoi(remote); err == nil {
			if n <= 0 || n > 65535 {
				return nil, fmt.Errorf("Error parsing remote port '%s': port numbers must be between 1 and 65535", remote)
			}
			p.remotePort = int32(n)
		}
		switch {
		case hasLocal && local == "":
			// a port of the host's choosing
		case hasLocal:
			n, err := strconv.ParseUint(local, 10, 16)
			if err != nil {
				return nil, fmt.Errorf("Error parsing local port '%s': %s", local, strconv.ErrSyntax)
			}
			p.local = uint16(n)
		case p.remotePort != 0:
			p.local = uint16(p.remotePort)
		default:
			p.localGiven = false // the named port's number
		}
		out = append(out, p)
	}
	return out, nil
}

// listenAddresses are --address's: localhost (both loopbacks), or
// addresses of the host.
func listenAddresses(flag string) ([]string, error) {
	var out []string
	for _, a := range strings.Split(flag, ",") {
		switch a = strings.TrimSpace(a); a {
		case "localhost":
			out = append(out, "127.0.0.1", "[::1]")
		case "127.0.0.1", "0.0.0.0", network.HostIP.String():
			out = append(out, a)
		case "::1", "::":
			out = append(out, "["+a+"]")
		default:
			return nil, fmt.Errorf("failed to create listener: Error listen tcp4 %s: bind: cannot assign requested address", net4Join(a, "0"))
		}
	}
	return out, nil
}

func net4Join(host, port string) string { return host + ":" + port }

// translateServicePorts turns a Service's ports into its pods' target
// ports, as kubectl's translateServicePortToTargetPort: a named target
// port is resolved later against the pod.
func translateServicePorts(obj api.Object, pairs []*portPair) error {
	svc, ok := obj.(*api.Service)
	if !ok {
		return nil
	}
	for _, p := range pairs {
		var sp *api.ServicePort
		for i := range svc.Spec.Ports {
			s := &svc.Spec.Ports[i]
			if p.remotePort != 0 && s.Port == p.remotePort || p.remotePort == 0 && s.Name == p.remote {
				sp = s
				break
			}
		}
		if sp == nil {
			if p.remotePort == 0 {
				return fmt.Errorf("Service %s does not have a named port '%s'", svc.Name, p.remote)
			}
			return fmt.Errorf("Service %s does not have a service port %d", svc.Name, p.remotePort)
		}
		if !p.localGiven {
			p.local, p.localGiven = uint16(sp.Port), true
		}
		switch t := sp.TargetPort; {
		case t.Type == api.String && t.StrVal != "":
			p.remote, p.remotePort = t.StrVal, 0
		case t.IntVal != 0:
			p.remote, p.remotePort = strconv.Itoa(int(t.IntVal)), t.IntVal
		default:
			p.remote, p.remotePort = strconv.Itoa(int(sp.Port)), sp.Port
		}
	}
	return nil
}

// resolvePodPorts resolves named remote ports against the pod's
// containers' ports.
func resolvePodPorts(pod *api.Pod, pairs []*portPair) error {
	for _, p := range pairs {
		if p.remotePort != 0 {
			continue
		}
		for _, c := range pod.Spec.Containers {
			for _, cp := range c.Ports {
				if cp.Name == p.remote && p.remotePort == 0 {
					p.remotePort = cp.ContainerPort
				}
			}
		}
		if p.remotePort == 0 {
			return fmt.Errorf("Pod '%s' does not have a named port '%s'", pod.Name, p.remote)
		}
		if !p.localGiven {
			p.local = uint16(p.remotePort)
		}
	}
	return nil
}

// forwarder is a running port-forward: listeners on the host machine,
// each connection they accept spliced to a new connection to the pod's
// port through the API server and the pod's kubelet.
type forwarder struct {
	k           *Kubectl
	net         *network.Network
	ns, pod     string
	out, errOut io.Writer
	listeners   []*network.Listener
	lost        bool
	stopped     bool
	ended       func(code int)
}

func (f *forwarder) listen(pairs []*portPair, addresses []string) error {
	host := f.net.Host()
	var failed []string
	for _, p := range pairs {
		l, err := host.Listen(p.local)
		if err != nil {
			var errs []string
			for _, a := range addresses {
				proto := "tcp4"
				if strings.HasPrefix(a, "[") {
					proto = "tcp6"
				}
				errs = append(errs, fmt.Sprintf("unable to create listener: Error listen %s %s:%d: bind: address already in use", proto, a, p.local))
			}
			fmt.Fprintf(f.errOut, "Unable to listen on port %d: Listeners failed to create with the following errors: [%s]\n", p.local, strings.Join(errs, " "))
			failed = append(failed, fmt.Sprintf("{%d %d}", p.local, p.remotePort))
			continue
		}
		local, remote := l.Addr().Port(), p.remotePort
		for _, a := range addresses {
			fmt.Fprintf(f.out, "Forwarding from %s:%d -> %d\n", a, local, remote)
		}
		l.OnEvent = func() { f.accept(l, local, remote) }
		f.listeners = append(f.listeners, l)
	}
	if len(f.listeners) == 0 {
		return fmt.Errorf("unable to listen on any of the requested ports: [%s]", strings.Join(failed, " "))
	}
	return nil
}

// accept handles the connections a listener has.
func (f *forwarder) accept(l *network.Listener, local uint16, remote int32) {
	for !f.stopped {
		c, err := l.Accept()
		if err != nil {
			return
		}
		fmt.Fprintf(f.out, "Handling connection for %d\n", local)
		st, err := f.k.c.PodPortForward(f.ns, f.pod, remote)
		if err != nil {
			c.Close()
			f.fail(fmt.Sprintf("an error occurred forwarding %d -> %d: %v", local, remote, err))
			return
		}
		network.Splice(c, st, nil)
	}
}

// fail is an error on a forwarded connection: kubectl logs it and, since
// it cannot tell the pod's end is still usable, gives up.
func (f *forwarder) fail(msg string) {
	now := f.k.c.Now()
	fmt.Fprintf(f.errOut, "E%s %7d portforward.go:424] \"Unhandled Error\" err=%s\n", now.Format("0102 15:04:05.000000"), 1, strconv.Quote(msg))
	f.lost = true
	if f.ended != nil {
		fmt.Fprintln(f.errOut, "error: lost connection to pod")
		f.stop()
		f.ended(1)
	}
}

// stop closes the listeners; connections already forwarded go on until
// either end closes them.
func (f *forwarder) stop() {
	if f.stopped {
		return
	}
	f.stopped = true
	for _, l := range f.listeners {
		l.OnEvent = nil
		l.Close()
	}
}
