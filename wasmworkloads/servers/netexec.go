package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	kpnet "github.com/kubeplay/kubeplay/wasmworkloads/sdk/net"
	ksignal "github.com/kubeplay/kubeplay/wasmworkloads/sdk/signal"
)

// netexec is agnhost's netexec: an HTTP server on --http-port whose
// endpoints and log lines are upstream's (/, /clientip, /dial, /echo,
// /exit, /healthz, /hostname, /hostName, /redirect, /shutdown, and
// /readyz for --delay-shutdown), and a UDP server on --udp-port (-1 for
// none) answering the commands hostname, echo MSG and clientip. /shell
// and /upload, which run a shell and write files on the node, are not
// there: they answer as / does.
func netexec(args []string) int {
	fs := flag.NewFlagSet("netexec", flag.ContinueOnError)
	port := fs.Int("http-port", 8080, "HTTP Listen Port")
	udpPort := fs.Int("udp-port", 8081, "UDP Listen Port")
	delayShutdown := fs.Int("delay-shutdown", 0, "Number of seconds to delay shutdown when receiving SIGTERM.")
	if err := fs.Parse(args); err != nil {
		return 1
	}
	n := &netexecServer{}
	// SIGTERM makes /readyz fail, then ends netexec with 0 after
	// --delay-shutdown seconds.
	term := make(chan os.Signal, 1)
	ksignal.Notify(term, syscall.SIGTERM)
	go func() {
		ksignal.Wait(term)
		n.terminating.Store(true)
		if *delayShutdown > 0 {
			log.Printf("Sleeping %d seconds before terminating...", *delayShutdown)
			time.Sleep(time.Duration(*delayShutdown) * time.Second)
		}
		os.Exit(0)
	}()
	// /healthz fails until the UDP server has started, and after it
	// ended, as upstream's does.
	if *udpPort != -1 {
		go netexecUDP(*udpPort, &n.udpReady)
	}
	log.Printf("Started HTTP server on port %d", *port)
	return listenHTTP(*port, n.handle)
}

type netexecServer struct {
	terminating, udpReady atomic.Bool
}

func (n *netexecServer) handle(r *request, w *response) {
	path, rawQuery, _ := strings.Cut(r.target, "?")
	q, _ := url.ParseQuery(rawQuery)
	switch path {
	case "/clientip":
		log.Printf("GET /clientip")
		text(w, r.remoteAddr)
	case "/dial":
		netexecDial(q, w)
	case "/echo":
		msg, code := q.Get("msg"), q.Get("code")
		log.Printf("GET /echo?msg=%s&code=%s", msg, code)
		if code != "" {
			status, err := strconv.Atoi(code)
			if err != nil {
				text(w, fmt.Sprintf("argument 'code' must be an integer or empty, got %q\n", code))
				return
			}
			w.status = status
		}
		text(w, msg)
	case "/exit":
		netexecExit(q, w)
	case "/healthz":
		log.Printf("GET /healthz")
		if !n.udpReady.Load() {
			w.status = 412
		}
		noBody(w)
	case "/readyz":
		if n.terminating.Load() {
			w.status = 503
			text(w, "shutting down")
		} else {
			text(w, "ok")
		}
	case "/hostname", "/hostName":
		log.Printf("GET %s", path)
		text(w, hostname())
	case "/redirect":
		netexecRedirect(r, q, w)
	case "/shutdown":
		log.Printf("GET /shutdown")
		os.Exit(0)
	default:
		log.Printf("GET /")
		text(w, "NOW: "+time.Now().String())
	}
}

// noBody is a response a handler wrote nothing to: net/http sends its
// Date and a Content-Length of 0.
func noBody(w *response) {
	w.header("Date", httpDate(time.Now()))
	w.header("Content-Length", "0")
}

// httpError is net/http's Error: the message as plain text.
func httpError(w *response, msg string, status int) {
	w.status = status
	w.header("Content-Type", "text/plain; charset=utf-8")
	w.header("X-Content-Type-Options", "nosniff")
	w.header("Date", httpDate(time.Now()))
	w.header("Content-Length", strconv.Itoa(len(msg)+1))
	w.body = []byte(msg + "\n")
}

// netexecExit ends netexec with code after wait, as /exit does: the
// request is never answered.
func netexecExit(q url.Values, w *response) {
	waitText, timeoutText, codeText := q.Get("wait"), q.Get("timeout"), q.Get("code")
	log.Printf("GET /exit?code=%s&timeout=%s&wait=%s", codeText, timeoutText, waitText)
	timeout, err := time.ParseDuration(timeoutText)
	if err != nil && timeoutText != "" {
		text(w, fmt.Sprintf("argument 'timeout' must be a valid golang duration or empty, got %q\n", timeoutText))
		return
	}
	wait, err := time.ParseDuration(waitText)
	if err != nil && waitText != "" {
		text(w, fmt.Sprintf("argument 'wait' must be a valid golang duration or empty, got %q\n", waitText))
		return
	}
	code, err := strconv.Atoi(codeText)
	if err != nil && codeText != "" {
		text(w, fmt.Sprintf("argument 'code' must be an integer [0-127] or empty, got %q\n", codeText))
		return
	}
	log.Printf("Will begin shutdown in %s, allowing %s for connections to close, then will exit with %d", wait, timeout, code)
	time.Sleep(wait)
	if timeout > 0 {
		// The server's shutdown waits for this very request, which
		// never ends.
		time.Sleep(timeout)
		log.Printf("Graceful shutdown completed with: context deadline exceeded")
	}
	os.Exit(code)
}

// netexecRedirect is net/http's Redirect to location.
func netexecRedirect(r *request, q url.Values, w *response) {
	location, codeText := q.Get("location"), q.Get("code")
	log.Printf("%s /redirect?msg=%s&code=%s", r.method, location, codeText)
	w.status = 302
	if codeText != "" {
		code, err := strconv.Atoi(codeText)
		if err != nil {
			text(w, fmt.Sprintf("argument 'code' must be an integer or empty, got %q\n", codeText))
			return
		}
		w.status = code
	}
	w.header("Location", location)
	w.header("Date", httpDate(time.Now()))
	if r.method != "GET" && r.method != "HEAD" {
		w.header("Content-Length", "0")
		return
	}
	body := "<a href=\"" + htmlEscape(location) + "\">" + statusText[w.status] + "</a>.\n\n"
	w.header("Content-Type", "text/html; charset=utf-8")
	w.header("Content-Length", strconv.Itoa(len(body)))
	w.body = []byte(body)
}

var htmlEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace

// netexecDial makes tries requests to host:port over protocol (http or
// udp) and answers their responses and errors as JSON, as /dial does.
func netexecDial(q url.Values, w *response) {
	host, port, req, protocol, triesText := q.Get("host"), q.Get("port"), q.Get("request"), q.Get("protocol"), q.Get("tries")
	log.Printf("GET /dial?host=%s&protocol=%s&port=%s&request=%s&tries=%s", host, protocol, port, req, triesText)
	tries := 1
	if triesText != "" {
		var err error
		if tries, err = strconv.Atoi(triesText); err != nil {
			httpError(w, fmt.Sprintf("tries parameter is invalid. %v", err), 400)
			return
		}
	}
	if req == "" {
		httpError(w, "request parameter not specified. <nil>", 400)
		return
	}
	var dial func(req string, to netip.AddrPort) (string, error)
	switch strings.ToLower(protocol) {
	case "", "http":
		dial = dialHTTP
	case "udp":
		dial = dialUDP
	default:
		httpError(w, "unsupported protocol. "+protocol, 400)
		return
	}
	to, err := resolveHostPort(host, port)
	if err != nil {
		httpError(w, fmt.Sprintf("host and/or port param are invalid. %v", err), 400)
		return
	}
	var responses, errs []string
	var response string
	for range tries {
		response, err = dial(req, to)
		if err != nil {
			errs = append(errs, err.Error())
		} else {
			responses = append(responses, response)
		}
	}
	// (upstream lists the responses only when the last try answered)
	var b strings.Builder
	b.WriteByte('{')
	if len(errs) > 0 {
		b.WriteString(`"errors":`)
		jsonStrings(&b, errs)
	}
	if response != "" {
		if len(errs) > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"responses":`)
		jsonStrings(&b, responses)
	}
	b.WriteByte('}')
	text(w, b.String())
}

// resolveHostPort is net.ResolveTCPAddr of host:port.
func resolveHostPort(host, port string) (netip.AddrPort, error) {
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("address %s: invalid port", strings.TrimPrefix(host+":"+port, ":"))
	}
	addrs, err := kpnet.LookupHost(host)
	if err != nil {
		return netip.AddrPort{}, err
	}
	ip, _ := netip.ParseAddr(addrs[0])
	return netip.AddrPortFrom(ip, uint16(p)), nil
}

// dialHTTP is an http.Client's GET of http://to/req with a 5 s timeout:
// the body, or the client's error.
func dialHTTP(req string, to netip.AddrPort) (string, error) {
	target := fmt.Sprintf("http://%s/%s", to, req)
	fail := func(err error) (string, error) {
		if kpnet.IsTimeout(err) {
			return "", fmt.Errorf("Get %q: context deadline exceeded (Client.Timeout exceeded while awaiting headers)", target)
		}
		return "", fmt.Errorf("Get %q: %s", target, linuxText(err))
	}
	deadline := time.Now().Add(5 * time.Second)
	c, err := kpnet.DialAddr(to, deadline)
	if err != nil {
		return fail(err)
	}
	defer c.Close()
	c.SetDeadline(deadline)
	if _, err := fmt.Fprintf(c, "GET /%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: Go-http-client/1.1\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n", req, to); err != nil {
		return fail(err)
	}
	br := bufio.NewReader(c)
	length := -1
	for first := true; ; first = false {
		line, err := br.ReadString('\n')
		if err != nil {
			return fail(err)
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" && !first {
			break
		}
		if name, value, ok := strings.Cut(line, ":"); ok && strings.EqualFold(name, "Content-Length") {
			length, _ = strconv.Atoi(strings.TrimSpace(value))
		}
	}
	var body []byte
	if length >= 0 {
		body = make([]byte, length)
		_, err = io.ReadFull(br, body)
	} else {
		body, err = io.ReadAll(br)
	}
	if err != nil {
		return fail(err)
	}
	return string(body), nil
}

// dialUDP sends req as one datagram to to and waits 5 s for the answer,
// with upstream's errors.
func dialUDP(req string, to netip.AddrPort) (string, error) {
	c, err := kpnet.DialUDP(to)
	if err != nil {
		return "", fmt.Errorf("udp dial failed. err:%s", linuxText(err))
	}
	defer c.Close()
	if _, err := c.Write([]byte(req)); err != nil {
		return "", fmt.Errorf("udp connection write failed. err:%s", linuxText(err))
	}
	buf := make([]byte, 2048)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := c.Read(buf)
	if err != nil || n == 0 {
		return "", fmt.Errorf("reading from udp connection failed. err:'%s'", linuxText(err))
	}
	return string(buf[:n]), nil
}

// linuxText is an error as Go on Linux words it: a system call's error
// in its errno table's words ("connection refused") rather than wasip1's
// ("Connection refused").
func linuxText(err error) string {
	if err == nil {
		return "<nil>"
	}
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	text, ok := linuxErrnos[errno]
	if !ok {
		return err.Error()
	}
	return strings.Replace(err.Error(), errno.Error(), text, 1)
}

var linuxErrnos = map[syscall.Errno]string{
	syscall.EADDRINUSE: "address already in use", syscall.EADDRNOTAVAIL: "cannot assign requested address",
	syscall.EAGAIN: "resource temporarily unavailable", syscall.ECONNREFUSED: "connection refused",
	syscall.ECONNRESET: "connection reset by peer", syscall.EDESTADDRREQ: "destination address required",
	syscall.EHOSTUNREACH: "no route to host", syscall.EMFILE: "too many open files", syscall.EMSGSIZE: "message too long",
	syscall.ENETUNREACH: "network is unreachable", syscall.ENOTCONN: "transport endpoint is not connected",
	syscall.EPIPE: "broken pipe", syscall.ETIMEDOUT: "connection timed out",
}

// jsonStrings writes a list of strings as encoding/json does: HTML's
// characters, control characters and invalid UTF-8 escaped.
func jsonStrings(b *strings.Builder, list []string) {
	b.WriteByte('[')
	for i, s := range list {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for _, r := range s {
			switch {
			case r == '"' || r == '\\':
				b.WriteByte('\\')
				b.WriteRune(r)
			case r == '\n':
				b.WriteString(`\n`)
			case r == '\r':
				b.WriteString(`\r`)
			case r == '\t':
				b.WriteString(`\t`)
			case r < 0x20 || r == '<' || r == '>' || r == '&' || r == 0x2028 || r == 0x2029:
				fmt.Fprintf(b, `\u%04x`, r)
			case r == utf8.RuneError:
				b.WriteString(`\ufffd`)
			default:
				b.WriteRune(r)
			}
		}
		b.WriteByte('"')
	}
	b.WriteByte(']')
}

// netexecUDP answers netexec's UDP commands on port, as upstream's
// startUDPServer does: "hostname", "echo MSG" and "clientip" (lower-cased
// and trimmed), anything else logged and left unanswered.
func netexecUDP(port int, ready *atomic.Bool) {
	conn, err := kpnet.ListenPacket("udp", ":"+strconv.Itoa(port))
	if err != nil {
		log.Fatalf("Error occurred: failed to create listener for UDP address :%d:%v", port, err)
	}
	defer conn.Close()
	log.Printf("Started UDP server on port %s %d", "", port)
	ready.Store(true)
	defer func() {
		log.Printf("UDP server exited")
		ready.Store(false)
	}()
	buf := make([]byte, 2048)
	for {
		n, client, err := conn.ReadFrom(buf)
		if err != nil {
			log.Fatalf("Error occurred: failed accepting UDP connections:%v", err)
		}
		received := strings.ToLower(strings.TrimSpace(string(buf[:n])))
		var reply string
		switch {
		case received == "hostname":
			log.Println("Sending udp hostName response")
			reply = hostname()
		case strings.HasPrefix(received, "echo "):
			reply = strings.SplitN(received, " ", 2)[1]
			log.Printf("Echoing %v to UDP client %s\n", reply, client)
		case received == "clientip":
			log.Printf("Sending clientip back to UDP client %s\n", client)
			reply = client.String()
		default:
			if received != "" {
				log.Printf("Unknown UDP command received from %s: %v\n", client, received)
			}
			continue
		}
		if _, err := conn.WriteTo([]byte(reply), client); err != nil {
			log.Fatalf("Error occurred: failed to write to UDP client %s:%v", client, err)
		}
	}
}
