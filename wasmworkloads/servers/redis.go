package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	kpnet "github.com/kubeplay/kubeplay/wasmworkloads/sdk/net"
	ksignal "github.com/kubeplay/kubeplay/wasmworkloads/sdk/signal"
)

// redisVersion is the version the redis image reports.
const redisVersion = "8.2.2"

// redisServerMain is redis-server with the commands the documentation's
// examples use, over RESP on port 6379: PING, ECHO, GET, SET (EX, PX,
// NX, XX), INCR, DECR, INCRBY, DEL, EXISTS, KEYS, EXPIRE, TTL, DBSIZE,
// FLUSHALL, SELECT 0, QUIT. The data lives in the container's memory;
// SIGTERM saves it to dump.rdb in /data before Redis exits, and Redis
// loads it at start (redis_rdb.go).
func redisServerMain(args []string) int {
	port := 6379
	for i := 1; i < len(args); i++ {
		if args[i] == "--port" && i+1 < len(args) {
			port, _ = strconv.Atoi(args[i+1])
			i++
		}
	}
	logf := func(role, mark, format string, a ...any) {
		fmt.Fprintf(os.Stdout, "1:%s %s %s %s\n", role, time.Now().Format("02 Jan 2006 15:04:05.000"), mark, fmt.Sprintf(format, a...))
	}
	logf("C", "*", "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo")
	logf("C", "*", "Redis version=%s, bits=64, commit=00000000, modified=1, pid=1, just started", redisVersion)
	logf("C", "#", "Warning: no config file specified, using the default config. In order to specify a config file use redis-server /path/to/redis.conf")
	logf("M", "*", "monotonic clock: POSIX clock_gettime")
	logf("M", "*", "Running mode=standalone, port=%d.", port)
	l, err := kpnet.Listen("tcp", ":"+strconv.Itoa(port))
	if err != nil {
		logf("M", "#", "Warning: Could not create server TCP listening socket *:%d: bind: Address already in use", port)
		return 1
	}
	logf("M", "*", "Server initialized")
	db := &redisDB{data: map[string]string{}, expires: map[string]time.Time{}}
	if !db.loadLogged(logf) {
		return 1
	}
	logf("M", "*", "Ready to accept connections tcp")
	got := make(chan os.Signal, 1)
	ksignal.Notify(got, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				os.Exit(1)
			}
			go db.serve(c)
		}
	}()
	for {
		sig := ksignal.Wait(got)
		name := map[os.Signal]string{syscall.SIGTERM: "SIGTERM", syscall.SIGINT: "SIGINT"}[sig]
		fmt.Fprintf(os.Stdout, "1:signal-handler (%d) Received %s scheduling shutdown...\n", time.Now().Unix(), name)
		if db.shutdown(logf) {
			return 0
		}
	}
}

// loadLogged loads dump.rdb at start, logging as Redis does.
func (db *redisDB) loadLogged(logf func(role, mark, format string, a ...any)) bool {
	start := time.Now()
	info, found, err := db.load()
	if !found {
		return true
	}
	if err != nil {
		logf("M", "#", "%v", err)
		return false
	}
	logf("M", "*", "Loading RDB produced by version %s", info.version)
	logf("M", "*", "RDB age %d seconds", time.Now().Unix()-info.ctime)
	logf("M", "*", "RDB memory usage when created %.2f Mb", float64(info.usedMem)/(1024*1024))
	logf("M", "*", "Done loading RDB, keys loaded: %d, keys expired: %d.", info.loaded, info.expired)
	logf("M", "*", "DB loaded from disk: %.3f seconds", time.Since(start).Seconds())
	return true
}

// shutdown saves the data set and reports whether Redis may exit: a
// failed save keeps it running, as with its default save points.
func (db *redisDB) shutdown(logf func(role, mark, format string, a ...any)) bool {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.expire()
	logf("M", "*", "User requested shutdown...")
	logf("M", "*", "Saving the final RDB snapshot before exiting.")
	n, err := db.save()
	if err != nil {
		logf("M", "#", "Failed opening the temp RDB file temp-1.rdb (in server root dir /data) for saving: %s", capitalized(err))
		logf("M", "#", "Error trying to save the DB, can't exit.")
		logf("M", "#", "Errors trying to shut down the server. Check the logs for more information.")
		return false
	}
	logf("M", "*", "BGSAVE done, %d keys saved, 0 keys skipped, %d bytes written.", len(db.data), n)
	logf("M", "*", "DB saved on disk")
	logf("M", "#", "Redis is now ready to exit, bye bye...")
	return true
}

type redisDB struct {
	mu      sync.Mutex
	data    map[string]string
	expires map[string]time.Time
}

func (db *redisDB) serve(c io.ReadWriteCloser) {
	defer c.Close()
	br := bufio.NewReader(c)
	bw := bufio.NewWriter(c)
	for {
		cmd, err := readCommand(br)
		if err != nil {
			return
		}
		if len(cmd) == 0 {
			continue
		}
		reply, quit := db.run(cmd)
		bw.WriteString(reply)
		if bw.Flush() != nil || quit {
			return
		}
	}
}

// readCommand reads a RESP array of bulk strings, or an inline command.
func readCommand(br *bufio.Reader) ([]string, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimRight(line, "\r\n")
	if !strings.HasPrefix(line, "*") {
		return strings.Fields(line), nil
	}
	n, err := strconv.Atoi(line[1:])
	if err != nil {
		return nil, errors.New("Protocol error: invalid multibulk length")
	}
	out := make([]string, 0, n)
	for range n {
		h, err := br.ReadString('\n')
		if err != nil || !strings.HasPrefix(h, "$") {
			return nil, errors.New("Protocol error: expected '$'")
		}
		size, err := strconv.Atoi(strings.TrimRight(h[1:], "\r\n"))
		if err != nil || size < 0 {
			return nil, errors.New("Protocol error: invalid bulk length")
		}
		b := make([]byte, size+2)
		if _, err := io.ReadFull(br, b); err != nil {
			return nil, err
		}
		out = append(out, string(b[:size]))
	}
	return out, nil
}

func bulk(s string) string     { return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n" }
func integer(n int64) string   { return ":" + strconv.FormatInt(n, 10) + "\r\n" }
func redisErr(s string) string { return "-" + s + "\r\n" }

const nilBulk = "$-1\r\n"

// arity is each command's argument count, as COMMAND reports it
// (negative: at least).
var arity = map[string]int{"ping": -1, "echo": 2, "get": 2, "set": -3, "incr": 2, "decr": 2, "incrby": 3, "decrby": 3,
	"del": -2, "exists": -2, "keys": 2, "expire": 3, "ttl": 2, "dbsize": 1, "flushall": -1, "flushdb": -1, "select": 2,
	"quit": -1, "command": -1, "append": 3, "strlen": 2}

// run runs one command; quit closes the connection after the reply.
func (db *redisDB) run(cmd []string) (string, bool) {
	name := strings.ToLower(cmd[0])
	a, ok := arity[name]
	if !ok {
		var quoted []string
		for _, x := range cmd[1:] {
			quoted = append(quoted, "'"+x+"'")
		}
		return redisErr(fmt.Sprintf("ERR unknown command '%s', with args beginning with: %s", cmd[0], strings.Join(quoted, " "))), false
	}
	if a > 0 && len(cmd) != a || a < 0 && len(cmd) < -a {
		return redisErr(fmt.Sprintf("ERR wrong number of arguments for '%s' command", name)), false
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	db.expire()
	switch name {
	case "ping":
		if len(cmd) > 1 {
			return bulk(cmd[1]), false
		}
		return "+PONG\r\n", false
	case "echo":
		return bulk(cmd[1]), false
	case "quit":
		return "+OK\r\n", true
	case "command":
		return "*0\r\n", false
	case "select":
		if cmd[1] != "0" {
			return redisErr("ERR DB index is out of range"), false
		}
		return "+OK\r\n", false
	case "get":
		v, ok := db.data[cmd[1]]
		if !ok {
			return nilBulk, false
		}
		return bulk(v), false
	case "set":
		return db.set(cmd), false
	case "append":
		db.data[cmd[1]] += cmd[2]
		return integer(int64(len(db.data[cmd[1]]))), false
	case "strlen":
		return integer(int64(len(db.data[cmd[1]]))), false
	case "incr", "decr", "incrby", "decrby":
		by := int64(1)
		if len(cmd) == 3 {
			n, err := strconv.ParseInt(cmd[2], 10, 64)
			if err != nil {
				return redisErr("ERR value is not an integer or out of range"), false
			}
			by = n
		}
		if strings.HasPrefix(name, "decr") {
			by = -by
		}
		cur := int64(0)
		if v, ok := db.data[cmd[1]]; ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return redisErr("ERR value is not an integer or out of range"), false
			}
			cur = n
		}
		cur += by
		db.data[cmd[1]] = strconv.FormatInt(cur, 10)
		return integer(cur), false
	case "del", "exists":
		n := int64(0)
		for _, k := range cmd[1:] {
			if _, ok := db.data[k]; ok {
				n++
				if name == "del" {
					delete(db.data, k)
					delete(db.expires, k)
				}
			}
		}
		return integer(n), false
	case "keys":
		var keys []string
		for k := range db.data {
			if ok, _ := path.Match(cmd[1], k); ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		out := "*" + strconv.Itoa(len(keys)) + "\r\n"
		for _, k := range keys {
			out += bulk(k)
		}
		return out, false
	case "expire":
		secs, err := strconv.ParseInt(cmd[2], 10, 64)
		if err != nil {
			return redisErr("ERR value is not an integer or out of range"), false
		}
		if _, ok := db.data[cmd[1]]; !ok {
			return integer(0), false
		}
		db.expires[cmd[1]] = time.Now().Add(time.Duration(secs) * time.Second)
		return integer(1), false
	case "ttl":
		if _, ok := db.data[cmd[1]]; !ok {
			return integer(-2), false
		}
		at, ok := db.expires[cmd[1]]
		if !ok {
			return integer(-1), false
		}
		return integer(int64((time.Until(at) + time.Second/2) / time.Second)), false
	case "dbsize":
		return integer(int64(len(db.data))), false
	case "flushall", "flushdb":
		db.data, db.expires = map[string]string{}, map[string]time.Time{}
		return "+OK\r\n", false
	}
	return redisErr("ERR unknown command"), false
}

func (db *redisDB) set(cmd []string) string {
	key, val := cmd[1], cmd[2]
	var ttl time.Duration
	nx, xx := false, false
	for i := 3; i < len(cmd); i++ {
		switch strings.ToUpper(cmd[i]) {
		case "NX":
			nx = true
		case "XX":
			xx = true
		case "EX", "PX":
			if i+1 >= len(cmd) {
				return redisErr("ERR syntax error")
			}
			n, err := strconv.ParseInt(cmd[i+1], 10, 64)
			if err != nil || n <= 0 {
				return redisErr("ERR invalid expire time in 'set' command")
			}
			unit := time.Second
			if strings.ToUpper(cmd[i]) == "PX" {
				unit = time.Millisecond
			}
			ttl = time.Duration(n) * unit
			i++
		default:
			return redisErr("ERR syntax error")
		}
	}
	_, exists := db.data[key]
	if nx && exists || xx && !exists {
		return nilBulk
	}
	db.data[key] = val
	delete(db.expires, key)
	if ttl > 0 {
		db.expires[key] = time.Now().Add(ttl)
	}
	return "+OK\r\n"
}

// expire drops the keys whose time has passed.
func (db *redisDB) expire() {
	now := time.Now()
	for k, at := range db.expires {
		if !now.Before(at) {
			delete(db.data, k)
			delete(db.expires, k)
		}
	}
}

// redisCliMain is redis-cli without a terminal: a command from its
// arguments, or one a line from standard input, each reply printed raw
// as redis-cli prints when its output is not a tty.
func redisCliMain(args []string) int {
	host, port := "127.0.0.1", "6379"
	var cmd []string
	for i := 1; i < len(args); i++ {
		switch {
		case args[i] == "-h" && i+1 < len(args):
			host, i = args[i+1], i+1
		case args[i] == "-p" && i+1 < len(args):
			port, i = args[i+1], i+1
		case args[i] == "--version" || args[i] == "-v":
			fmt.Printf("redis-cli %s\n", redisVersion)
			return 0
		default:
			cmd = args[i:]
			i = len(args)
		}
	}
	c, err := kpnet.Dial("tcp", host+":"+port)
	if err != nil {
		fmt.Printf("Could not connect to Redis at %s:%s: %s\n", host, port, capitalized(err))
		return 1
	}
	defer c.Close()
	br := bufio.NewReader(c)
	send := func(cmd []string) int {
		var b strings.Builder
		b.WriteString("*" + strconv.Itoa(len(cmd)) + "\r\n")
		for _, a := range cmd {
			b.WriteString(bulk(a))
		}
		if _, err := io.WriteString(c, b.String()); err != nil {
			fmt.Println("Error: Server closed the connection")
			return 1
		}
		if err := printReply(br); err != nil {
			fmt.Println("Error: Server closed the connection")
			return 1
		}
		return 0
	}
	if len(cmd) > 0 {
		return send(cmd)
	}
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) > 0 {
			if code := send(f); code != 0 {
				return code
			}
		}
	}
	return 0
}

// capitalized is a dial error's reason as redis-cli prints strerror.
func capitalized(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// printReply prints one reply in redis-cli's raw form.
func printReply(br *bufio.Reader) error {
	line, err := br.ReadString('\n')
	if err != nil {
		return err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return errors.New("empty reply")
	}
	switch line[0] {
	case '+', ':':
		fmt.Println(line[1:])
	case '-':
		fmt.Println(line[1:])
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			fmt.Println()
			return nil
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(br, b); err != nil {
			return err
		}
		fmt.Println(string(b[:n]))
	case '*':
		n, _ := strconv.Atoi(line[1:])
		for range n {
			if err := printReply(br); err != nil {
				return err
			}
		}
	}
	return nil
}
